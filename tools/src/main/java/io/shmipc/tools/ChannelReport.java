package io.shmipc.tools;

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
     * @throws io.shmipc.core.segment.SegmentException (and its subclasses) if the file is missing or not a valid segment.
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
     * @throws io.shmipc.core.segment.SegmentException (and its subclasses) if the file is missing or not a valid segment.
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
        line(out, "file", "size " + file.size() + ", mode " + file.mode() + ", owner " + file.owner() + ":" + file.group());
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
        final Json json = new Json().beginObject();
        json.field("layout", layout.label());
        json.name("file").beginObject()
            .field("path", file.path())
            .field("size", file.size())
            .field("mode", file.mode())
            .field("owner", file.owner())
            .field("group", file.group())
            .endObject();
        json.name("queues").beginArray();
        for (final QueueSnapshot q : queues)
        {
            json.beginObject()
                .field("name", q.name())
                .field("capacity", q.capacity())
                .field("writePos", q.writePos())
                .field("readPos", q.readPos())
                .field("usedBytes", q.usedBytes())
                .field("freeBytes", q.capacity() - q.usedBytes())
                .field("percentFull", Math.round(q.percentFull() * 100) / 100.0)
                .field("pendingMessages", q.pendingMessages())
                .field("pendingPayloadBytes", q.pendingPayload())
                .field("paddingBlocks", q.paddingBlocks());
            json.name("blockAtReadPos");
            if (q.headerSize() < 0)
            {
                json.nullValue();
            }
            else
            {
                json.beginObject().field("size", q.headerSize());
                if (layout == SegmentLayout.SIMPLE_IPC)
                {
                    json.field("magic", "0x" + Integer.toHexString(q.headerMagic()))
                        .field("kind", QueueSnapshot.magicName(q.headerMagic()).toLowerCase(Locale.ROOT));
                }
                else
                {
                    json.field("msgTypeId", q.headerMagic());
                }
                json.endObject();
            }
            json.field("readerState", q.readerState())
                .field("consumerHeartbeat", q.consumerHeartbeat())
                .field("stable", q.stable())
                .field("corruption", q.corruption());
            if (withMessages)
            {
                json.name("messages").beginArray();
                for (final QueueSnapshot.PendingMessage m : q.messages())
                {
                    final String decoded = MessageText.describe(m.payload());
                    json.beginObject().field("position", m.position()).field("length", m.payload().length)
                        .field("decoded", decoded).field("hex", null == decoded ? MessageText.hex(m.payload()) : null)
                        .endObject();
                }
                json.endArray();
            }
            json.endObject();
        }
        json.endArray();
        json.name("signals").beginArray();
        for (final SemaphoreFile s : signals)
        {
            json.beginObject()
                .field("name", s.name())
                .field("path", s.path().toString())
                .field("exists", s.exists());
            json.name("value");
            if (s.value() < 0)
            {
                json.nullValue();
            }
            else
            {
                json.value(s.value());
            }
            json.name("waiters");
            if (s.waiters() < 0)
            {
                json.nullValue();
            }
            else
            {
                json.value(s.waiters());
            }
            json.endObject();
        }
        json.endArray();
        json.name("mappedBy").beginArray();
        for (final ProcMaps.Mapper m : mappedBy)
        {
            json.beginObject().field("pid", m.pid()).field("command", m.command());
            json.name("threads").beginArray();
            for (final ProcMaps.ChannelThread t : m.threads())
            {
                json.beginObject().field("tid", t.tid()).field("name", t.name()).field("cpusAllowed", t.cpusAllowed())
                    .endObject();
            }
            json.endArray().endObject();
        }
        json.endArray();
        return json.endObject().toJson();
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
