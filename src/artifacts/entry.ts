/** What an artifact store records and answers, whatever holds the blobs (files or Redis). */
import { MailroomError } from '../errors.js';

export interface ArtifactEntry {
  name: string;
  /** fs: the file name in artifacts/; redis: the hash key. */
  file: string;
  bytes: number;
  storedBy: string;
  storedAt: string;
  /** ISO time after which the artifact counts as gone. */
  expiresAt?: string;
  description?: string;
}

export interface PutOptions {
  /** Expire after this long. */
  ttlMs?: number;
  description?: string;
}

export class ArtifactError extends MailroomError {}

/** The operations of a store; names are checked by the caller (ArtifactStore). */
export interface ArtifactOps {
  /** Stores (or replaces) an artifact. */
  put(name: string, content: string, by: string, opts?: PutOptions): Promise<ArtifactEntry>;
  /** Throws ArtifactError (E_ARTIFACT_NOT_FOUND or E_ARTIFACT_EXPIRED). */
  get(name: string): Promise<{ entry: ArtifactEntry; content: string }>;
  /** Live (unexpired) artifacts. */
  list(): Promise<ArtifactEntry[]>;
}
