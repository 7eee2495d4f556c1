/**
 * Enrollment uploads: multipart parsing with hard limits, file types decided by the bytes' magic
 * numbers (a `.jpg` name proves nothing), and uploaded names reduced to a harmless base name. A
 * file that is not a photo, or too large, is refused on its own, by name, and the others are used;
 * only a request with no usable photo at all is refused.
 */
import type { Request, Response } from 'express';
import multer from 'multer';
import { ErrorCode, RollcallError } from '../core/index.js';
import { MAX_NAME_LENGTH } from '../store/index.js';
import type { UploadRefusal } from './api-views.js';

export interface UploadLimits {
  /** Largest photo accepted. @defaultValue 10 MiB */
  maxFileBytes?: number;
  /** Most photos in one request. @defaultValue 20 */
  maxFiles?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 20;
export const PHOTOS_FIELD = 'photos';

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

/** The image type from the first bytes, or undefined when it is none of the accepted ones. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  const starts = (signature: readonly number[], at = 0): boolean =>
    bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  // RIFF....WEBP
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

/**
 * The base name of an uploaded file, for display only: directories (either slash), control
 * characters and dot-only names are dropped, so `../../etc/passwd.jpg` becomes `passwd.jpg`.
 */
export function safeFileName(original: string, index: number): string {
  const base = original.replaceAll('\\', '/').split('/').pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const short = Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('');
  return short === '' || /^\.+$/.test(short) ? `photo-${index + 1}` : short;
}

export interface ReceivedPhoto {
  fileName: string;
  bytes: Uint8Array;
  type: ImageType;
}

function invalid(code: ErrorCode, message: string): RollcallError {
  return new RollcallError(code, message);
}

/** Translates multer's limit errors into messages that name the field and the limit. */
function uploadError(error: unknown, maxFiles: number, maxFileBytes: number): Error {
  if (error instanceof RollcallError) return error;
  if (!(error instanceof multer.MulterError)) {
    // Busboy's parse errors ("Unexpected end of form", "Malformed part header") are the client's bytes.
    const reason = error instanceof Error ? error.message : 'unreadable';
    return invalid(ErrorCode.RequestInvalid, `the multipart form is malformed (${reason})`);
  }
  const field = error.field ?? PHOTOS_FIELD;
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the rest are malformed forms
  switch (error.code) {
    case 'LIMIT_FILE_SIZE': {
      // multer 2 passes the file name, which its typings do not declare yet.
      const name = (error as { filename?: unknown }).filename;
      const which = typeof name === 'string' ? `"${safeFileName(name, 0)}"` : 'a file';
      const megabytes = Math.round((maxFileBytes / 1024 / 1024) * 10) / 10;
      return invalid(ErrorCode.ImageTooLarge, `${which} is larger than ${megabytes} MB`);
    }
    case 'LIMIT_FILE_COUNT':
      return invalid(ErrorCode.RequestTooLarge, `at most ${maxFiles} photos at a time`);
    case 'LIMIT_UNEXPECTED_FILE':
      return field === PHOTOS_FIELD
        ? invalid(ErrorCode.RequestTooLarge, `at most ${maxFiles} photos at a time`)
        : invalid(
            ErrorCode.RequestInvalid,
            `${field}: unexpected file field; send photos as "${PHOTOS_FIELD}"`,
          );
    case 'LIMIT_PART_COUNT':
    case 'LIMIT_FIELD_COUNT':
    case 'LIMIT_FIELD_KEY':
      return invalid(ErrorCode.RequestTooLarge, 'the form has too many or too long fields');
    case 'LIMIT_FIELD_VALUE':
      return invalid(ErrorCode.RequestTooLarge, `${field}: the value is too long`);
    default:
      return invalid(ErrorCode.RequestInvalid, `the multipart form is malformed (${error.code})`);
  }
}

/** What a request's photos came to: the usable ones, and each other file with why it was refused. */
export interface ReceivedPhotos {
  photos: ReceivedPhoto[];
  refused: UploadRefusal[];
}

/** Set on a file by {@link cappedMemoryStorage} when it was over the size limit (its bytes dropped). */
const TOO_LARGE = 'rollcallTooLarge';

/**
 * Multer's memory storage, except that a file over `maxFileBytes` is read to its end and dropped
 * (marked {@link TOO_LARGE}) instead of failing the whole request, so the other photos are still
 * used. A request is still cut off once its files together pass `maxRequestBytes`.
 */
function cappedMemoryStorage(maxFileBytes: number, maxRequestBytes: number): multer.StorageEngine {
  const received = new WeakMap<Request, number>();
  return {
    _handleFile(req, file, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const settle = (
        error: Error | null,
        info?: Partial<Express.Multer.File> & { [TOO_LARGE]?: boolean },
      ): void => {
        if (settled) return;
        settled = true;
        callback(error, info);
      };
      file.stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        const total = (received.get(req) ?? 0) + chunk.length;
        received.set(req, total);
        if (total > maxRequestBytes) {
          const megabytes = Math.round(maxRequestBytes / 1024 / 1024);
          settle(invalid(ErrorCode.RequestTooLarge, `the photos together are larger than ${megabytes} MB`));
          return;
        }
        if (size <= maxFileBytes) chunks.push(chunk);
        else chunks.length = 0;
      });
      file.stream.on('error', (error: Error) => {
        settle(error);
      });
      file.stream.on('end', () => {
        const tooLarge = size > maxFileBytes;
        settle(null, {
          buffer: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks),
          size,
          [TOO_LARGE]: tooLarge,
        });
      });
    },
    _removeFile(_req, file, callback) {
      (file as Partial<Express.Multer.File>).buffer = undefined;
      callback(null);
    },
  };
}

/** The error for a request none of whose files is usable: the files' own code when they agree. */
function noUsablePhoto(refused: { code: ErrorCode; refusal: UploadRefusal }[]): RollcallError {
  const codes = new Set(refused.map((r) => r.code));
  const [only] = codes;
  const reasons = refused.map(({ refusal }) => `${refusal.fileName}: ${refusal.reason}`).join('; ');
  return invalid(
    codes.size === 1 && only !== undefined ? only : ErrorCode.RequestInvalid,
    refused.length === 1 ? reasons : `no file could be used as a photo: ${reasons}`,
  );
}

/**
 * Parses a `multipart/form-data` enrollment request: the fields into `req.body`, the photos
 * checked and returned with the files refused. Memory storage is fine because the limits bound
 * what one request holds.
 * @throws a 4xx `RollcallError` for a malformed form, too many files, or no usable photo at all.
 */
export function photoReceiver(
  limits: UploadLimits = {},
): (req: Request, res: Response) => Promise<ReceivedPhotos> {
  const maxFileBytes = limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxFiles = limits.maxFiles ?? DEFAULT_MAX_FILES;
  const megabytes = Math.round((maxFileBytes / 1024 / 1024) * 10) / 10;
  const parse = multer({
    storage: cappedMemoryStorage(maxFileBytes, maxFiles * maxFileBytes),
    limits: { files: maxFiles, fields: 10, fieldSize: 4096, parts: maxFiles + 10 },
    // Browsers send UTF-8 file names; busboy's default (latin1) would garble "José.jpg".
    defParamCharset: 'utf8',
  }).array(PHOTOS_FIELD, maxFiles);

  return async (req, res) => {
    if (!req.is('multipart/form-data')) {
      throw invalid(
        ErrorCode.ImageUnsupported,
        `send the person as multipart/form-data with a "name" field and one or more "${PHOTOS_FIELD}"`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      parse(req, res, (error?: unknown) => {
        if (error) reject(uploadError(error, maxFiles, maxFileBytes));
        else resolve();
      });
    });
    const files = (req.files ?? []) as (Express.Multer.File & { [TOO_LARGE]?: boolean })[];
    if (files.length === 0) throw invalid(ErrorCode.RequestInvalid, 'add at least one photo of the person');
    const photos: ReceivedPhoto[] = [];
    const refused: { code: ErrorCode; refusal: UploadRefusal }[] = [];
    for (const [index, file] of files.entries()) {
      const fileName = safeFileName(file.originalname, index);
      const refuse = (code: ErrorCode, reason: string): void => {
        refused.push({ code, refusal: { fileName, reason } });
      };
      const type = sniffImageType(file.buffer);
      if (file[TOO_LARGE] === true) refuse(ErrorCode.ImageTooLarge, `larger than ${megabytes} MB`);
      else if (file.size === 0) refuse(ErrorCode.ImageEmpty, 'the file is empty');
      else if (type === undefined) refuse(ErrorCode.ImageUnsupported, 'not a JPEG, PNG or WebP image');
      else photos.push({ fileName, bytes: file.buffer, type });
    }
    if (photos.length === 0) throw noUsablePhoto(refused);
    return { photos, refused: refused.map((r) => r.refusal) };
  };
}
