package io.shmipc.tools;

import com.fasterxml.jackson.jr.ob.JSONComposer;
import com.fasterxml.jackson.jr.ob.comp.ArrayComposer;
import com.fasterxml.jackson.jr.ob.comp.ComposerBase;
import com.fasterxml.jackson.jr.ob.comp.ObjectComposer;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.tools.cli.DurationConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code shmipc watch NAME|PATH}: refreshes the state of a channel every {@code --interval}, with per-queue rates,
 * consumer lag and a {@code STALLED} warning. The segment is mapped read-only once and read at each refresh
 * exactly as {@code inspect} reads it; nothing is written to it or to the semaphores.
 * <p>
 * <b>Rates</b> are position deltas over the time between two refreshes: bytes/s written (writePos) and read
 * (readPos), shown in MB/s (10^6 bytes). Messages/s cannot be counted from positions alone, because the blocks
 * that were written and read between two refreshes are gone by the next one: they are <b>estimated</b> as bytes/s
 * divided by the average block length (header and alignment included) of the pending blocks walked so far, and
 * shown as {@code -} until a pending block has been seen.
 * <p>
 * <b>Stalled:</b> a queue with pending data whose readPos has not moved for {@code --stall} (counted from the
 * start of the watch) is flagged, because its consumer is stuck, slow or gone.
 */
@Command(
    name = "watch",
    description = {
        "Refresh a channel's state in place every --interval: per-queue positions, consumer lag (bytes and " +
        "messages), fill, write/read rates (MB/s from position deltas; messages/s estimated from the average " +
        "pending block length), and a STALLED warning when a queue has pending data and its readPos has not moved " +
        "for --stall. Read-only, like inspect."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Stopped after --count refreshes (or by Ctrl-C).",
        "1:Runtime failure (I/O error).",
        "2:Usage error (unknown option, bad duration, invalid channel name).",
        "3:Segment not found, or removed while watching.",
        "4:Not a valid segment (also: a FIFO, socket or device; truncated while watching).",
        "5:A queue was corrupt in the last refresh."})
final class WatchCommand implements Callable<Integer>
{
    private static final String CLEAR_HOME = "\033[H\033[2J";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

    @Parameters(paramLabel = "NAME|PATH",
        description = "Channel name (the segment /dev/shm/NAME), or a path to a segment file (contains '/').")
    String target;

    @Option(names = "--interval", defaultValue = "1s", converter = DurationConverter.class,
        description = "Time between refreshes (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--stall", defaultValue = "5s", converter = DurationConverter.class,
        description = "Flag a queue STALLED when it has pending data and its readPos has not moved for this long " +
        "(default: ${DEFAULT-VALUE}).")
    Duration stall;

    @Option(names = "--count", defaultValue = "0",
        description = "Stop after this many refreshes; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--json", description = "Print one JSON object per refresh, one per line (fields in docs/cli.md).")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Integer call() throws InterruptedException
    {
        if (count < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must be 0 or more, was " + count);
        }
        final SegmentTarget segmentTarget = SegmentTarget.of(target);
        final PrintWriter out = spec.commandLine().getOut();
        final boolean clear = !json && Main.stdoutIsTerminal();
        final long self = ProcessHandle.current().pid();
        final Path file = segmentTarget.file();
        SegmentFiles.requireRegularFile(file);
        final long sizeBefore = SegmentFiles.sizeNow(file);
        final AtomicReference<SharedSegment> opened = new AtomicReference<>();
        try
        {
            // the mapping is only ever read on threads of its own: a truncation's fault cannot reach this one
            final SharedSegment segment = SegmentFiles.readConfined(file,
                () -> null != opened.get() ? opened.get().length() : sizeBefore, () ->
                {
                    final SharedSegment mapped = SharedSegment.open(file, true);
                    opened.set(mapped);
                    return mapped;
                });
            watch(segmentTarget, segment, out, clear, self);
        }
        finally
        {
            final SharedSegment segment = opened.get();
            if (null != segment)
            {
                segment.close();
            }
        }
        return ExitCodes.OK;
    }

    private void watch(
        final SegmentTarget segmentTarget, final SharedSegment segment, final PrintWriter out, final boolean clear,
        final long self) throws InterruptedException
    {
        final Watcher watcher = new Watcher(segment, stall.toNanos());
        String corruption = null;
        for (long refresh = 1; 0 == count || refresh <= count; refresh++)
        {
            if (refresh > 1)
            {
                Thread.sleep(interval.toMillis(), (int)(interval.toNanosPart() % 1_000_000));
            }
            if (!Files.exists(segmentTarget.file()))
            {
                throw new CliException(ExitCodes.NOT_FOUND, segmentTarget.file() +
                    ": removed while watching (the channel was closed or cleaned)");
            }
            final long size = SegmentFiles.sizeNow(segmentTarget.file());
            if (size >= 0 && size < segment.length())
            {
                // reading the mapping now would fault: say so before touching it
                throw new CliException(ExitCodes.INVALID_SEGMENT, segmentTarget.file() + ": truncated to " +
                    size + " bytes while watching (the segment is " + segment.length() + " bytes)");
            }
            final List<Long> mappers = new ArrayList<>();
            ProcMaps.mappersOf(segmentTarget.file()).forEach(m ->
            {
                if (m.pid() != self)
                {
                    mappers.add(m.pid());
                }
            });
            final long now = System.nanoTime();
            final List<Watcher.QueueRates> queues =
                SegmentFiles.readConfined(segmentTarget.file(), segment::length, () ->
                {
                    SegmentFiles.mappedForTests(segmentTarget.file());
                    return watcher.refresh(now);
                });
            if (json)
            {
                out.println(json(segmentTarget, refresh, mappers, queues));
            }
            else
            {
                out.print((clear ? CLEAR_HOME : "") + text(segmentTarget, refresh, mappers, queues));
            }
            out.flush();
            corruption = null;
            for (final Watcher.QueueRates q : queues)
            {
                if (null != q.snapshot().corruption())
                {
                    corruption = q.snapshot().name() + ": " + q.snapshot().corruption();
                }
            }
        }
        if (null != corruption)
        {
            throw new CliException(ExitCodes.CORRUPT_QUEUE, segmentTarget.file() + ": corrupt queue " + corruption);
        }
    }

    private String text(
        final SegmentTarget target, final long refresh, final List<Long> mappers, final List<Watcher.QueueRates> queues)
    {
        final StringBuilder text = new StringBuilder(1024);
        text.append(String.format(Locale.ROOT, "watch %s  %s  refresh %d every %s  mapped by %s%n",
            target.file(), LocalTime.now().format(CLOCK), refresh, DurationConverter.format(interval),
            mappers.isEmpty() ? "no process" : "pid " + mappers.toString().replaceAll("[\\[\\]]", "")));
        text.append(String.format(Locale.ROOT, "%-10s %14s %14s %11s %9s %7s %11s %9s %11s %9s%n", "queue",
            "writePos", "readPos", "lag bytes", "lag msgs", "fill", "write msg/s", "write MB/s", "read msg/s",
            "read MB/s"));
        for (final Watcher.QueueRates q : queues)
        {
            final QueueSnapshot s = q.snapshot();
            text.append(String.format(Locale.ROOT, "%-10s %14d %14d %11d %9d %6.2f%% %11s %9s %11s %9s%n",
                s.name(), s.writePos(), s.readPos(), s.usedBytes(), s.pendingMessages(), s.percentFull(),
                rate(q.writeMessagesPerSec(), "%,.0f"), megabytes(q.writeBytesPerSec()),
                rate(q.readMessagesPerSec(), "%,.0f"), megabytes(q.readBytesPerSec())));
        }
        for (final Watcher.QueueRates q : queues)
        {
            final QueueSnapshot s = q.snapshot();
            if (q.stalled())
            {
                text.append(String.format(Locale.ROOT,
                    "STALLED %s: %d messages (%d bytes) pending, readPos %d has not moved for %.1f s%n",
                    s.name(), s.pendingMessages(), s.usedBytes(), s.readPos(), q.readPosIdleNs() / 1e9));
            }
            if (null != s.corruption())
            {
                text.append("CORRUPT ").append(s.name()).append(": ").append(s.corruption()).append('\n');
            }
        }
        return text.toString();
    }

    private static String json(
        final SegmentTarget target, final long refresh, final List<Long> mappers, final List<Watcher.QueueRates> queues)
    {
        return Json.compose(doc ->
        {
            final ObjectComposer<JSONComposer<String>> root = doc.startObject()
                .put("time", System.currentTimeMillis())
                .put("refresh", refresh)
                .put("path", target.file().toString());
            final ArrayComposer<ObjectComposer<JSONComposer<String>>> pids = root.startArrayField("mappedBy");
            for (final long pid : mappers)
            {
                pids.add(pid);
            }
            final ArrayComposer<ObjectComposer<JSONComposer<String>>> queuesJson = pids.end().startArrayField("queues");
            for (final Watcher.QueueRates q : queues)
            {
                queue(queuesJson.startObject(), q).end();
            }
            queuesJson.end().end();
        });
    }

    private static <P extends ComposerBase> ObjectComposer<P> queue(final ObjectComposer<P> json,
        final Watcher.QueueRates q) throws IOException
    {
        final QueueSnapshot s = q.snapshot();
        json.put("name", s.name())
            .put("capacity", s.capacity())
            .put("writePos", s.writePos())
            .put("readPos", s.readPos())
            .put("usedBytes", s.usedBytes())
            .put("pendingMessages", s.pendingMessages())
            .put("percentFull", Math.round(s.percentFull() * 100) / 100.0);
        rateField(json, "writeBytesPerSec", q.writeBytesPerSec());
        rateField(json, "readBytesPerSec", q.readBytesPerSec());
        rateField(json, "writeMessagesPerSec", q.writeMessagesPerSec());
        rateField(json, "readMessagesPerSec", q.readMessagesPerSec());
        return json.put("readPosIdleMs", q.readPosIdleNs() / 1_000_000)
            .put("stalled", q.stalled())
            .put("stable", s.stable())
            .put("corruption", s.corruption());
    }

    /**
     * A rate to one decimal, or null while it is unknown (NaN).
     */
    private static <P extends ComposerBase> void rateField(final ObjectComposer<P> json, final String name,
        final double value) throws IOException
    {
        if (Double.isNaN(value))
        {
            json.putNull(name);
        }
        else
        {
            json.put(name, Math.round(value * 10) / 10.0);
        }
    }

    private static String rate(final double value, final String format)
    {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, format, value);
    }

    private static String megabytes(final double bytesPerSec)
    {
        return Double.isNaN(bytesPerSec) ? "-" : String.format(Locale.ROOT, "%.3f", bytesPerSec / 1e6);
    }

    /**
     * Successive snapshots of both queues of a segment and what changed between them. Not thread safe.
     */
    static final class Watcher
    {
        /**
         * One queue at one refresh; rates are NaN on the first refresh (nothing to compare with), message rates
         * also while no pending block has been seen.
         */
        record QueueRates(
            QueueSnapshot snapshot,
            double writeBytesPerSec,
            double readBytesPerSec,
            double writeMessagesPerSec,
            double readMessagesPerSec,
            long readPosIdleNs,
            boolean stalled)
        {
        }

        private final SharedSegment segment;
        private final long stallNs;
        private final long[] lastWritePos = new long[2];
        private final long[] lastReadPos = new long[2];
        private final long[] readPosMovedNs = new long[2];
        private final long[] walkedBytes = new long[2];
        private final long[] walkedBlocks = new long[2];
        private long lastNs;
        private boolean first = true;

        Watcher(final SharedSegment segment, final long stallNs)
        {
            this.segment = segment;
            this.stallNs = stallNs;
        }

        List<QueueRates> refresh(final long nowNs)
        {
            final List<QueueRates> rates = new ArrayList<>(2);
            final double seconds = (nowNs - lastNs) / 1e9;
            for (final QueueId queue : QueueId.values())
            {
                final int i = queue.ordinal();
                final QueueSnapshot s = QueueSnapshot.take(queue, segment.queueWalker(queue));
                if (s.pendingMessages() > 0 && null == s.corruption() && s.stable())
                {
                    walkedBytes[i] += s.usedBytes();
                    walkedBlocks[i] += s.pendingMessages() + s.paddingBlocks();
                }
                final double averageBlock =
                    0 == walkedBlocks[i] ? Double.NaN : (double)walkedBytes[i] / walkedBlocks[i];
                double writeRate = Double.NaN;
                double readRate = Double.NaN;
                if (first || s.readPos() != lastReadPos[i])
                {
                    readPosMovedNs[i] = nowNs;
                }
                if (!first)
                {
                    writeRate = (s.writePos() - lastWritePos[i]) / seconds;
                    readRate = (s.readPos() - lastReadPos[i]) / seconds;
                }
                lastWritePos[i] = s.writePos();
                lastReadPos[i] = s.readPos();
                final long idleNs = nowNs - readPosMovedNs[i];
                rates.add(new QueueRates(s, writeRate, readRate, writeRate / averageBlock, readRate / averageBlock,
                    idleNs, s.usedBytes() > 0 && idleNs >= stallNs));
            }
            lastNs = nowNs;
            first = false;
            return rates;
        }
    }
}
