package io.shmipc.bridge;

import io.aeron.Aeron;
import io.aeron.Counter;

/**
 * The bridge's counters, allocated in its Aeron driver's counters file (the driver's {@code cnc.dat}), so they can
 * be read from outside the process, as AeronStat reads Aeron's own: see {@link BridgeStatus} and
 * {@code ./shmipc bridge status}. Each has the type id {@link #TYPE_ID} and a label
 * {@code "shmipc-bridge SIDE NAME: what"}.
 */
public final class BridgeCounters implements AutoCloseable
{
    /** Aeron counter type id of every bridge counter. */
    public static final int TYPE_ID = 1313;
    /** Prefix of every bridge counter's label. */
    public static final String LABEL_PREFIX = "shmipc-bridge ";

    /** 1 while the publication is connected and the subscription has an image, 0 otherwise. */
    final Counter linkUp;
    /** Blocks read from the local ring and accepted by Aeron. */
    final Counter messagesOut;
    /** Their bytes (without the bridge's header). */
    final Counter bytesOut;
    /** Blocks received from Aeron and written into the local ring. */
    final Counter messagesIn;
    /** Their bytes. */
    final Counter bytesIn;
    /** Blocks that had to wait for Aeron (back-pressure, not connected), once per block. */
    final Counter backPressureOut;
    /** Aeron messages that had to wait for room in the local ring, once per message. */
    final Counter backPressureIn;
    /** Blocks refused because they do not fit (Aeron's maximum message length, or the local queue's). */
    final Counter refused;
    /** New images (a far side's new publication session) after the first one. */
    final Counter reconnects;
    /** Messages of an old run or of a superseded session, not delivered. */
    final Counter stale;
    /** Blocks taken from the local ring that were never accepted by Aeron because the bridge stopped. */
    final Counter unsentAtStop;
    /** Local runs: attachments to (host-side) or creations of (guest-side) the local channel. */
    final Counter localRuns;
    /** Errors reported to the error handler. */
    final Counter errors;

    BridgeCounters(final Aeron aeron, final String side, final String name)
    {
        final String prefix = LABEL_PREFIX + side + " " + name + ": ";
        linkUp = aeron.addCounter(TYPE_ID, prefix + "link up");
        messagesOut = aeron.addCounter(TYPE_ID, prefix + "messages to Aeron");
        bytesOut = aeron.addCounter(TYPE_ID, prefix + "bytes to Aeron");
        messagesIn = aeron.addCounter(TYPE_ID, prefix + "messages from Aeron");
        bytesIn = aeron.addCounter(TYPE_ID, prefix + "bytes from Aeron");
        backPressureOut = aeron.addCounter(TYPE_ID, prefix + "back-pressure to Aeron");
        backPressureIn = aeron.addCounter(TYPE_ID, prefix + "back-pressure from Aeron (local ring full)");
        refused = aeron.addCounter(TYPE_ID, prefix + "refused (too large)");
        reconnects = aeron.addCounter(TYPE_ID, prefix + "reconnects");
        stale = aeron.addCounter(TYPE_ID, prefix + "stale, not delivered");
        unsentAtStop = aeron.addCounter(TYPE_ID, prefix + "unsent at stop");
        localRuns = aeron.addCounter(TYPE_ID, prefix + "local runs");
        errors = aeron.addCounter(TYPE_ID, prefix + "errors");
    }

    /** @return the counters' current values, for tests and the embedding application. */
    public Snapshot snapshot()
    {
        return new Snapshot(linkUp.get() != 0, messagesOut.get(), bytesOut.get(), messagesIn.get(), bytesIn.get(),
            backPressureOut.get(), backPressureIn.get(), refused.get(), reconnects.get(), stale.get(),
            unsentAtStop.get(), localRuns.get(), errors.get());
    }

    @Override
    public void close()
    {
        for (final Counter counter : new Counter[]{linkUp, messagesOut, bytesOut, messagesIn, bytesIn,
            backPressureOut, backPressureIn, refused, reconnects, stale, unsentAtStop, localRuns, errors})
        {
            counter.close();
        }
    }

    /**
     * The counters at one moment.
     *
     * @param linkUp          publication connected and subscription has an image.
     * @param messagesOut     blocks accepted by Aeron.
     * @param bytesOut        their bytes.
     * @param messagesIn      messages written into the local ring.
     * @param bytesIn         their bytes.
     * @param backPressureOut blocks that waited for Aeron.
     * @param backPressureIn  messages that waited for the local ring.
     * @param refused         too large, refused.
     * @param reconnects      new far-side sessions after the first.
     * @param stale           old-run or superseded-session messages not delivered.
     * @param unsentAtStop    blocks dropped because the bridge stopped while they waited.
     * @param localRuns       local channel attachments/creations.
     * @param errors          errors reported.
     */
    public record Snapshot(boolean linkUp, long messagesOut, long bytesOut, long messagesIn, long bytesIn,
        long backPressureOut, long backPressureIn, long refused, long reconnects, long stale, long unsentAtStop,
        long localRuns, long errors)
    {
    }
}
