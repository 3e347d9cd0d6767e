package io.shmipc.tools;

import com.fasterxml.jackson.jr.ob.JSONComposer;
import com.fasterxml.jackson.jr.ob.comp.ArrayComposer;
import com.fasterxml.jackson.jr.ob.comp.ComposerBase;
import com.fasterxml.jackson.jr.ob.comp.ObjectComposer;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything {@code inspect} reports about one channel, gathered without writing to the segment or the semaphores:
 * the segment is mapped read-only, the semaphores' files are only read. Renders as text or as the documented JSON.
 *
 * @param layout   the detected layout.
 * @param file     path, size, mode and owner of the segment file.
 * @param queues   toGuest then fromGuest.
 * @param signals  the {@code NAME_REQ}/{@code NAME_RESP} semaphores; empty when the file is not in /dev/shm.
 * @param mappedBy processes mapping the segment (scanned before this process mapped it).
 * @param takenAtMillis wall-clock time of the snapshot, for the heartbeat age.
 */
record ChannelReport(
    SegmentLayout layout,
    FileInfo file,
    List<QueueSnapshot> queues,
    List<SemaphoreFile> signals,
    List<ProcMaps.Mapper> mappedBy,
    long takenAtMillis)
{
    /**
     * @param path  the segment file.
     * @param size  its length in bytes.
     * @param mode  permission bits in octal, e.g. {@code 0600}.
     * @param owner owning user.
     * @param group owning group.
     */
    record FileInfo(String path, long size, String mode, String owner, String group)
    {
    }

    /**
     * Inspect a segment file.
     *
     * @param file        the segment file.
     * @param channelName the channel's name, whose semaphores are reported, or null if the file is not a named
     *                    channel in /dev/shm.
     * @return the report.
     * @throws io.shmipc.core.segment.SegmentException (and its subclasses) if the file is missing or not a
     *                                                 valid segment.
     */
    static ChannelReport inspect(final Path file, final String channelName)
    {
        return inspect(file, channelName, 0);
    }

    /**
     * Inspect a segment file and copy the payloads of the first pending messages of each queue.
     *
     * @param file        the segment file.
     * @param channelName the channel's name, or null if the file is not a named channel in /dev/shm.
     * @param maxMessages pending messages to copy per queue (rendered decoded or as a hex dump); 0 for none.
     * @return the report.
     * @throws io.shmipc.core.segment.SegmentException (and its subclasses) if the file is missing or not a
     *                                                 valid segment.
     */
    static ChannelReport inspect(final Path file, final String channelName, final int maxMessages)
    {
        SegmentFiles.requireRegularFile(file);
        final List<ProcMaps.Mapper> mappers = Files.isRegularFile(file) ? ProcMaps.mappersOf(file) : List.of();
        final long sizeBefore = SegmentFiles.sizeNow(file);
        final AtomicReference<SharedSegment> opened = new AtomicReference<>();
        try
        {
            // opened and read on a thread of its own: a truncation's fault cannot reach this one (SegmentFiles)
            return SegmentFiles.readConfined(file,
                () -> null != opened.get() ? opened.get().length() : sizeBefore,
                () ->
                {
                    final SharedSegment segment = SharedSegment.open(file, true);
                    opened.set(segment);
                    SegmentFiles.mappedForTests(file);
                    final List<QueueSnapshot> queues = new ArrayList<>(2);
                    for (final QueueId queue : QueueId.values())
                    {
                        queues.add(QueueSnapshot.take(queue, segment.queueWalker(queue), maxMessages));
                    }
                    return new ChannelReport(segment.layout(), null, queues, List.of(), mappers, 0);
                })
                .completed(file, channelName);
        }
        finally
        {
            final SharedSegment segment = opened.get();
            if (null != segment)
            {
                segment.close();
            }
        }
    }

    /**
     * @return this report of the mapping's contents, with the file's attributes, the semaphores and the time added
     * (read on the caller's thread: they do not touch the mapping).
     */
    private ChannelReport completed(final Path path, final String channelName)
    {
        final List<SemaphoreFile> semaphores = new ArrayList<>(2);
        if (null != channelName)
        {
            semaphores.add(SemaphoreFile.read(NamedSignals.requestSignalName(channelName)));
            semaphores.add(SemaphoreFile.read(NamedSignals.responseSignalName(channelName)));
        }
        return new ChannelReport(layout, fileInfo(path), queues, semaphores, mappedBy, System.currentTimeMillis());
    }

    /**
     * @return the first corruption found in a queue, or null if both walked cleanly.
     */
    String corruption()
    {
        for (final QueueSnapshot queue : queues)
        {
            if (null != queue.corruption())
            {
                return queue.name() + ": " + queue.corruption();
            }
        }
        return null;
    }

    /**
     * @return the multi-line text form.
     */
    String text()
    {
        final StringBuilder out = new StringBuilder(2048);
        final long capacity = queues.get(0).capacity();
        line(out, "segment", file.path());
        line(out, "layout", layout.label() + ", capacity " + capacity + " bytes per queue");
        line(out, "file",
            "size " + file.size() + ", mode " + file.mode() + ", owner " + file.owner() + ":" + file.group());
        for (final QueueSnapshot q : queues)
        {
            out.append("queue ").append(q.name()).append(q.stable() ? "" : " (moving: figures from an unsettled read)")
                .append('\n');
            line(out, "  capacity", Long.toString(q.capacity()));
            line(out, "  writePos", Long.toString(q.writePos()));
            line(out, "  readPos", Long.toString(q.readPos()));
            line(out, "  usedBytes", q.usedBytes() + String.format(Locale.ROOT, " (%.2f%% full), free %d",
                q.percentFull(), q.capacity() - q.usedBytes()));
            line(out, "  pendingMessages", q.pendingMessages() + " (" + q.pendingPayload() + " payload bytes, " +
                q.paddingBlocks() + " padding)");
            line(out, "  blockAtReadPos", blockAtReadPos(q));
            if (layout == SegmentLayout.SIMPLE_IPC)
            {
                line(out, "  readerState", q.readerState() + " " + QueueSnapshot.readerStateName(q.readerState()));
            }
            line(out, "  consumerHeartbeat", 0 == q.consumerHeartbeat() ? "0 (never set)" :
                q.consumerHeartbeat() + " (" + (takenAtMillis - q.consumerHeartbeat()) + " ms ago)");
            if (null != q.corruption())
            {
                line(out, "  CORRUPT", q.corruption());
            }
            int number = 0;
            for (final QueueSnapshot.PendingMessage m : q.messages())
            {
                final String decoded = MessageText.describe(m.payload());
                line(out, "  message " + ++number, "at " + m.position() + ", " + m.payload().length + " bytes: " +
                    (null != decoded ? decoded : "not an ipc.Message, hex:"));
                if (null == decoded)
                {
                    out.append(MessageText.hexDump(m.payload(), "    "));
                }
            }
        }
        out.append("signals\n");
        if (signals.isEmpty())
        {
            out.append("  (not a named channel in /dev/shm)\n");
        }
        for (final SemaphoreFile s : signals)
        {
            line(out, "  " + s.name(), !s.exists() ? "missing (" + s.path() + ")" :
                s.value() < 0 ? "exists, unreadable (" + s.path() + ")" :
                "value " + s.value() + ", waiters " + s.waiters() + " (" + s.path() + ")");
        }
        out.append("mappedBy\n");
        if (mappedBy.isEmpty())
        {
            out.append("  (no process)\n");
        }
        for (final ProcMaps.Mapper m : mappedBy)
        {
            out.append(String.format(Locale.ROOT, "  %-8d %s%n", m.pid(), m.command()));
            for (final ProcMaps.ChannelThread t : m.threads())
            {
                out.append(String.format(Locale.ROOT, "           thread %-8d %-16s cpus %s%n", t.tid(), t.name(),
                    t.cpusAllowed()));
            }
        }
        return out.toString();
    }

    /**
     * @return the JSON form, one line; field names are documented in docs/cli.md.
     */
    String json()
    {
        return json(false);
    }

    /**
     * @param withMessages whether each queue gets a {@code messages} array (inspect --messages).
     * @return the JSON form, one line; field names are documented in docs/cli.md.
     */
    String json(final boolean withMessages)
    {
        return Json.compose(json ->
        {
            final ObjectComposer<JSONComposer<String>> root = json.startObject().put("layout", layout.label());
            root.startObjectField("file")
                .put("path", file.path())
                .put("size", file.size())
                .put("mode", file.mode())
                .put("owner", file.owner())
                .put("group", file.group())
                .end();
            final ArrayComposer<ObjectComposer<JSONComposer<String>>> queuesJson = root.startArrayField("queues");
            for (final QueueSnapshot q : queues)
            {
                queue(queuesJson.startObject(), q, withMessages).end();
            }
            queuesJson.end();
            final ArrayComposer<ObjectComposer<JSONComposer<String>>> signalsJson = root.startArrayField("signals");
            for (final SemaphoreFile s : signals)
            {
                signal(signalsJson.startObject(), s).end();
            }
            signalsJson.end();
            final ArrayComposer<ObjectComposer<JSONComposer<String>>> mappersJson = root.startArrayField("mappedBy");
            for (final ProcMaps.Mapper m : mappedBy)
            {
                mapper(mappersJson.startObject(), m).end();
            }
            mappersJson.end();
            root.end();
        });
    }

    private <P extends ComposerBase> ObjectComposer<P> queue(
        final ObjectComposer<P> json, final QueueSnapshot q, final boolean withMessages) throws IOException
    {
        json.put("name", q.name())
            .put("capacity", q.capacity())
            .put("writePos", q.writePos())
            .put("readPos", q.readPos())
            .put("usedBytes", q.usedBytes())
            .put("freeBytes", q.capacity() - q.usedBytes())
            .put("percentFull", Math.round(q.percentFull() * 100) / 100.0)
            .put("pendingMessages", q.pendingMessages())
            .put("pendingPayloadBytes", q.pendingPayload())
            .put("paddingBlocks", q.paddingBlocks());
        if (q.headerSize() < 0)
        {
            json.putNull("blockAtReadPos");
        }
        else
        {
            final ObjectComposer<ObjectComposer<P>> block =
                json.startObjectField("blockAtReadPos").put("size", q.headerSize());
            if (layout == SegmentLayout.SIMPLE_IPC)
            {
                block.put("magic", "0x" + Integer.toHexString(q.headerMagic()))
                    .put("kind", QueueSnapshot.magicName(q.headerMagic()).toLowerCase(Locale.ROOT));
            }
            else
            {
                block.put("msgTypeId", q.headerMagic());
            }
            block.end();
        }
        json.put("readerState", q.readerState())
            .put("consumerHeartbeat", q.consumerHeartbeat())
            .put("stable", q.stable())
            .put("corruption", q.corruption());
        if (withMessages)
        {
            final ArrayComposer<ObjectComposer<P>> messages = json.startArrayField("messages");
            for (final QueueSnapshot.PendingMessage m : q.messages())
            {
                final String decoded = MessageText.describe(m.payload());
                messages.startObject().put("position", m.position()).put("length", m.payload().length)
                    .put("decoded", decoded).put("hex", null == decoded ? MessageText.hex(m.payload()) : null)
                    .end();
            }
            messages.end();
        }
        return json;
    }

    private static <P extends ComposerBase> ObjectComposer<P> signal(
        final ObjectComposer<P> json, final SemaphoreFile s) throws IOException
    {
        json.put("name", s.name()).put("path", s.path().toString()).put("exists", s.exists());
        return count(count(json, "value", s.value()), "waiters", s.waiters());
    }

    /**
     * A semaphore's count or waiters: null when it could not be read (negative).
     */
    private static <P extends ComposerBase> ObjectComposer<P> count(
        final ObjectComposer<P> json, final String name, final long value) throws IOException
    {
        return value < 0 ? json.putNull(name) : json.put(name, value);
    }

    private static <P extends ComposerBase> ObjectComposer<P> mapper(
        final ObjectComposer<P> json, final ProcMaps.Mapper m) throws IOException
    {
        final ArrayComposer<ObjectComposer<P>> threads =
            json.put("pid", m.pid()).put("command", m.command()).startArrayField("threads");
        for (final ProcMaps.ChannelThread t : m.threads())
        {
            threads.startObject().put("tid", t.tid()).put("name", t.name()).put("cpusAllowed", t.cpusAllowed()).end();
        }
        return threads.end();
    }

    private String blockAtReadPos(final QueueSnapshot q)
    {
        if (q.headerSize() < 0)
        {
            return q.usedBytes() == 0 ? "none (queue empty)" : "none (skip of < 8 bytes at the wrap)";
        }
        if (layout == SegmentLayout.AGRONA)
        {
            return "length " + q.headerSize() + ", msgTypeId " + q.headerMagic();
        }
        return "size " + q.headerSize() + ", magic 0x" + Integer.toHexString(q.headerMagic()) + " (" +
            QueueSnapshot.magicName(q.headerMagic()) + ")";
    }

    private static void line(final StringBuilder out, final String label, final String value)
    {
        out.append(String.format(Locale.ROOT, "%-20s %s%n", label, value));
    }

    private static FileInfo fileInfo(final Path file)
    {
        try
        {
            final PosixFileAttributes attributes =
                Files.readAttributes(file, PosixFileAttributes.class);
            int mode = 0;
            for (final PosixFilePermission permission : attributes.permissions())
            {
                mode |= 1 << (8 - permission.ordinal());
            }
            return new FileInfo(file.toString(), attributes.size(), String.format("0%03o", mode),
                attributes.owner().getName(), attributes.group().getName());
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return new FileInfo(file.toString(), -1, "?", "?", "?");
        }
    }
}
