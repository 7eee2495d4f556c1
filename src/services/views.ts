/**
 * The services' views: what the API answers and the pages read. Type-only and free of Node (it
 * imports only types of `core` and the store's interface), so the browser program (`web/frontend/`)
 * can import the very types the services return instead of copies of them.
 */
import type { GalleryThresholds } from '../core/calibration.js';
import type { DescriptorModel } from '../core/descriptor.js';
import type { UnknownFace } from '../store/store.js';

/** One person's attendance on one day, as the API and the CSV export show it. */
export interface AttendanceRecordView {
  person: { id: string; name: string };
  day: string;
  firstSeen: string;
  lastSeen: string;
  /** The camera of the check-in. */
  camera: string;
  /** The camera of the check-out. */
  lastCamera: string;
  nodeId: string;
  sightings: number;
  corrected: boolean;
}

/** A correction as the API shows it: whose, which day, by whom and why, and the record after it. */
export interface CorrectionView {
  id: string;
  /** The name is the record's (before or after), kept after the person is deleted. */
  person: { id: string; name: string | null };
  day: string;
  by: string;
  reason: string;
  at: string;
  /** Whether the person counts as present after the correction. */
  present: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
}

/** A recognition node as the web node sees it: null where the node never reported. */
export interface NodeView {
  address: string;
  nodeId: string | null;
  connected: boolean;
  lastHeartbeatAt: string | null;
  /** The node's overall rate: what its cameras deliver together. */
  fps: number;
  cameras: { cameraId: string; fps: number; latencyP95Ms: number | null; online: boolean }[];
  galleryVersion: number | null;
  /** Which gallery the node takes: descriptors of two models never compare. */
  descriptorModel: DescriptorModel | null;
  outboxDepth: number | null;
  uptimeS: number | null;
  /**
   * How far the node's clock is ahead of the web node's (negative: behind), in ms, measured from its
   * heartbeats; null while unknown (not connected, or a node that does not report its clock).
   */
  clockSkewMs: number | null;
  /** The skew is beyond the tolerance: the node's event times are being corrected. Set its clock right. */
  clockSkewed: boolean;
}

/** A face as the review list shows it: with the name of the person it was assigned to. */
export type ReviewedFace = UnknownFace & { assignedPersonName: string | null };

/** The thresholds in force for the nodes' face model, as the Settings page explains them. */
export interface SettingsCalibration extends GalleryThresholds {
  model: DescriptorModel;
}

export interface RollcallSettings {
  /**
   * How often a stranger may be named (0.01: one stranger in a hundred). Each recognition node sets
   * its match threshold from its gallery so that this holds with the people enrolled now.
   */
  strangerRateTarget: number;
  /**
   * Set by hand instead of the target: a face closer than this to a person is a match (in the
   * units of the nodes' face model). Null: calibrated from the target.
   */
  matchThreshold: number | null;
  /** With `matchThreshold`: a face at least this far from everyone is unknown; between is uncertain. */
  unknownThreshold: number | null;
  /** Frames that must agree before a track is named. */
  consensusFrames: number;
  /** A person in view is re-reported at most this often, so check-out times stay true. */
  sightingIntervalS: number;
  /** IANA zone that decides which day attendance belongs to. */
  timeZone: string;
  /** Face crops of events, and unknown faces nobody reviewed, are dropped after this many days. */
  retentionDays: number;
}
