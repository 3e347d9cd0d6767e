/**
 * How the peer is woken: named, counted signals shared between processes (a POSIX named semaphore on Linux, an
 * auto-reset named event on Windows, through JNA direct mapping) and the names a channel gives them
 * ({@link io.shmipc.signals.NamedSignals}).
 */
package io.shmipc.signals;
