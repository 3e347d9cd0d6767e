/**
 * Shared-memory segments and their layouts.
 * <p>
 * {@link io.shmipc.core.segment.SharedSegment} maps a channel's segment (a POSIX shared-memory file, any file, or a
 * Windows named mapping) and hands out one {@link org.agrona.concurrent.ringbuffer.RingBuffer} per direction, as its
 * {@link io.shmipc.core.segment.SegmentLayout} says: the byte layout of the C++/Go library
 * ({@link io.shmipc.core.ring.SimpleIpcRingBuffer}, see {@code docs/layout.md}), or Agrona's own
 * {@link org.agrona.concurrent.ringbuffer.OneToOneRingBuffer} for peers that are all Java.
 * {@link io.shmipc.core.segment.SegmentLock} is the lock a live shmipc host holds on its segment file.
 */
package io.shmipc.core.segment;
