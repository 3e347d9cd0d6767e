package io.shmipc.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * One round-method slice of a ping-pong variant in one process, as a test runs it: the ponger echoes on a second
 * thread until the control file's switch counter moves on, the pinger runs on the caller's thread, and the switch
 * is made whatever the pinger did, so the ponger stops before its memory is unmapped; if the pinger throws, its
 * exception is the one thrown, with the ponger's suppressed in it. Every wait is bounded.
 */
final class PingSlice
{
    /** The passive side of a variant, as {@link FloorVariant#pong} and {@link LayoutFloor#pong}. */
    interface Ponger
    {
        long pong(int switchCount, long deadline);
    }

    /** What one slice did: round trips the pinger counted, values the ponger echoed. */
    record Done(long pinged, long echoed)
    {
    }

    private PingSlice()
    {
    }

    static Done run(final ControlFile control, final Ponger ponger, final LongSupplier pinger, final long timeoutNanos)
        throws InterruptedException, ExecutionException, TimeoutException
    {
        final int switchCount = control.switchCount();
        final long deadline = System.nanoTime() + timeoutNanos;
        final CompletableFuture<Long> pong = CompletableFuture.supplyAsync(() -> ponger.pong(switchCount, deadline));
        final long pinged;
        try
        {
            pinged = pinger.getAsLong();
        }
        catch (final RuntimeException | Error ex)
        {
            // the pinger's failure is the one to report: the ponger's (a timeout, most likely) goes with it
            control.switchTo(0, ControlFile.MEASURE);
            try
            {
                pong.get(timeoutNanos, TimeUnit.NANOSECONDS);
            }
            catch (final InterruptedException | ExecutionException | TimeoutException suppressed)
            {
                ex.addSuppressed(suppressed);
                if (suppressed instanceof InterruptedException)
                {
                    Thread.currentThread().interrupt();
                }
            }
            throw ex;
        }
        control.switchTo(0, ControlFile.MEASURE);
        return new Done(pinged, pong.get(timeoutNanos, TimeUnit.NANOSECONDS));
    }
}
