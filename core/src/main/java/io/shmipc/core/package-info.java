/**
 * Shared-memory segments and the SimpleIPC v1 ring buffer.
 * <p>
 * {@link io.shmipc.core.SharedSegment} maps a channel's segment (a POSIX shared-memory file, any file, or a
 * Windows named mapping) and hands out one {@link org.agrona.concurrent.ringbuffer.RingBuffer} per direction:
 * {@link io.shmipc.core.SimpleIpcRingBuffer} for the byte layout of the C++/Go library (see
 * {@link io.shmipc.core.SimpleIpcDescriptor} and {@code docs/layout.md}), or Agrona's own
 * {@link org.agrona.concurrent.ringbuffer.OneToOneRingBuffer} for peers that are all Java.
 */
package io.shmipc.core;
