/** The fake Anthropic Messages API for tests: see server.ts. */
export { FakeAnthropicServer } from './server.js';
export type {
  FakeBlock,
  FakeDropReply,
  FakeErrorReply,
  FakeMalformedToolInputReply,
  FakeMessageReply,
  FakeReply,
  FakeResponder,
  FakeServerOptions,
  FakeStreamErrorReply,
  RecordedRequest,
  ReportedUsage,
} from './types.js';
export type { ApiErrorBody, ApiMessage, ApiUsage } from './shapes.js';
