/**
 * Channels: the two sides of one SimpleIPC segment, woken by named semaphores.
 * <p>
 * {@link io.shmipc.core.channel.HostChannel} creates a channel and carries raw bytes;
 * {@link io.shmipc.core.channel.IpcHost} makes request/response calls on one, completing each from the id its
 * response carries ({@link io.shmipc.core.channel.Correlation}); {@link io.shmipc.core.channel.IpcGuest} opens a
 * channel and answers. {@link io.shmipc.core.channel.ChannelConfig} configures either side: idle strategies,
 * affinity, {@link io.shmipc.core.channel.ThreadingMode}, {@link io.shmipc.core.channel.ReadMode} and
 * {@link io.shmipc.core.channel.WriteMode}. Each side's duties are Agrona {@code Agent}s.
 */
package io.shmipc.core.channel;
