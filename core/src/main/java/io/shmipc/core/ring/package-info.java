/**
 * The SimpleIPC v1 ring buffer: {@link io.shmipc.core.ring.SimpleIpcRingBuffer}, an Agrona
 * {@link org.agrona.concurrent.ringbuffer.RingBuffer} over one queue in the byte layout of the C++/Go library,
 * described offset by offset in {@link io.shmipc.core.ring.SimpleIpcDescriptor} (and {@code docs/layout.md}).
 */
package io.shmipc.core.ring;
