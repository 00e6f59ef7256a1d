/*
 * TypeScript declarations of `dist/sse-client.mjs`, the ES module entry of sse_client:
 *
 *   import { ready, configure, chatWithModelStream } from "/any/path/dist/sse-client.mjs";
 *   import type { Status } from "/any/path/dist/sse-client.mjs";
 *
 * TypeScript finds this file beside `sse-client.mjs`. The types themselves are in
 * `sse-client.d.ts` (namespace `SSEClient`), which this file refers to: the module publishes
 * the same API on `globalThis.SSEClient` too.
 */
/// <reference path="./sse-client.d.ts" />

export declare const ready: SSEClient.SSEClientAPI["ready"];
export declare const configure: SSEClient.SSEClientAPI["configure"];
export declare const chatWithModelStream: SSEClient.SSEClientAPI["chatWithModelStream"];
export declare const authFetch: SSEClient.SSEClientAPI["authFetch"];
export declare const onProgress: SSEClient.SSEClientAPI["onProgress"];
export declare const metrics: SSEClient.SSEClientAPI["metrics"];
export declare const SSEClientError: SSEClient.SSEClientErrorConstructor;
export type SSEClientError = SSEClient.SSEClientError;
export declare const version: SSEClient.SSEClientAPI["version"];
export declare const build: SSEClient.SSEClientAPI["build"];
export declare const mode: SSEClient.SSEClientAPI["mode"];

/** The whole API, as on `globalThis.SSEClient`. */
declare const api: SSEClient.SSEClientAPI;
export default api;

export type SSEClientAPI = SSEClient.SSEClientAPI;
export type BootMode = SSEClient.BootMode;
export type ClientOptions = SSEClient.ClientOptions;
export type RetryOptions = SSEClient.RetryOptions;
export type TimeoutOptions = SSEClient.TimeoutOptions;
export type CircuitOptions = SSEClient.CircuitOptions;
export type TokenRequest = SSEClient.TokenRequest;
export type Token = SSEClient.Token;
export type GetToken = SSEClient.GetToken;
export type Format = SSEClient.Format;
export type ChatRequest = SSEClient.ChatRequest;
export type ChatOptions = SSEClient.ChatOptions;
export type Status = SSEClient.Status;
export type StreamingMode = SSEClient.StreamingMode;
export type ChatMetrics = SSEClient.ChatMetrics;
export type StreamMetrics = SSEClient.StreamMetrics;
export type MetricsTotals = SSEClient.MetricsTotals;
export type State = SSEClient.State;
export type TerminalState = SSEClient.TerminalState;
export type ConnectingStatus = SSEClient.ConnectingStatus;
export type StreamingStatus = SSEClient.StreamingStatus;
export type ReconnectingStatus = SSEClient.ReconnectingStatus;
export type FallbackStatus = SSEClient.FallbackStatus;
export type CompletedStatus = SSEClient.CompletedStatus;
export type FailedStatus = SSEClient.FailedStatus;
export type CancelledStatus = SSEClient.CancelledStatus;
export type ErrorType = SSEClient.ErrorType;
export type ErrorInfo = SSEClient.ErrorInfo;
export type SSEClientErrorInit = SSEClient.SSEClientErrorInit;
export type SSEClientErrorConstructor = SSEClient.SSEClientErrorConstructor;
export type StreamInit = SSEClient.StreamInit;
export type StreamOptions = SSEClient.StreamOptions;
export type FetchOptions = SSEClient.FetchOptions;
export type EventStreamReader = SSEClient.EventStreamReader;
export type ReadCallbacks = SSEClient.ReadCallbacks;
export type ReaderListeners = SSEClient.ReaderListeners;
export type ReaderEvent = SSEClient.ReaderEvent;
export type ReaderEventType = SSEClient.ReaderEventType;
export type ChunkEvent = SSEClient.ChunkEvent;
export type StatusEvent = SSEClient.StatusEvent;
export type CompleteEvent = SSEClient.CompleteEvent;
export type ErrorReportEvent = SSEClient.ErrorReportEvent;
export type MalformedEvent = SSEClient.MalformedEvent;
export type ProgressPhase = SSEClient.ProgressPhase;
export type Progress = SSEClient.Progress;
export type DownloadProgress = SSEClient.DownloadProgress;
export type PhaseProgress = SSEClient.PhaseProgress;
