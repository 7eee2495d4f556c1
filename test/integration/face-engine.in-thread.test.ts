import { FaceApiEngine } from '../../src/engine/index.js';
import { faceEngineContract } from './face-engine.contract.js';

faceEngineContract('FaceApiEngine (in this thread)', () => FaceApiEngine.create({ backend: 'auto' }));
