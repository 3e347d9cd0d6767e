package io.shmipc.tools;

import com.fasterxml.jackson.jr.ob.JSONComposer;
import com.fasterxml.jackson.jr.ob.comp.ArrayComposer;
import com.fasterxml.jackson.jr.ob.comp.ComposerBase;
import com.fasterxml.jackson.jr.ob.comp.ObjectComposer;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code shmipc list}: the channels in {@code /dev/shm}, one line each. A file is listed when its header is a valid
 * segment of either layout (it is mapped read-only to check); semaphore files ({@code sem.*}), symbolic links,
 * directories, FIFOs, sockets, unreadable files, files truncated while they are read and anything else are skipped
 * silently. Live mappers come from one scan of
 * {@code /proc/[pid]/maps} for all of them.
 */
@Command(
    name = "list",
    description = {
        "List the channels in /dev/shm (files whose header is a valid segment of either layout; others and sem.* " +
        "are skipped): name, layout, capacity, each queue's fill and pending messages, and the live processes " +
        "mapping it."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Success (also when there is no channel).",
        "1:/dev/shm cannot be read.",
        "2:Usage error."})
final class ListCommand implements Callable<Integer>
{
    @Option(names = "--json", description = "Print one JSON object (fields in docs/cli.md).")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One listed channel. */
    record Channel(String name, Path file, SegmentLayout layout, int capacity, List<QueueSnapshot> queues)
    {
    }

    public Integer call()
    {
        final List<Channel> channels = channels(SharedSegment.SHM_DIRECTORY);
        final List<Path> files = new ArrayList<>();
        channels.forEach(c -> files.add(c.file()));
        final Map<Path, List<ProcMaps.Mapper>> mappers = ProcMaps.mappersOf(files);
        final long self = ProcessHandle.current().pid();
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            out.println(Json.compose(doc ->
            {
                final ArrayComposer<ObjectComposer<JSONComposer<String>>> list = doc.startObject()
                    .put("directory", SharedSegment.SHM_DIRECTORY.toString()).startArrayField("channels");
                for (final Channel c : channels)
                {
                    channel(list.startObject(), c, mappers.get(c.file()), self).end();
                }
                list.end().end();
            }));
        }
        else if (channels.isEmpty())
        {
            out.println("no channels in " + SharedSegment.SHM_DIRECTORY);
        }
        else
        {
            out.printf(Locale.ROOT, "%-32s %-17s %10s  %-22s %-22s %s%n", "NAME", "LAYOUT", "CAPACITY", "TOGUEST",
                "FROMGUEST", "MAPPED BY");
            for (final Channel c : channels)
            {
                final List<Long> pids = new ArrayList<>();
                mappers.get(c.file()).stream().filter(m -> m.pid() != self).forEach(m -> pids.add(m.pid()));
                out.printf(Locale.ROOT, "%-32s %-17s %10d  %-22s %-22s %s%n", c.name(), c.layout().label(),
                    c.capacity(), fill(c.queues().get(0)), fill(c.queues().get(1)),
                    pids.isEmpty() ? "-" : pids.toString().replaceAll("[\\[\\] ]", ""));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static <P extends ComposerBase> ObjectComposer<P> channel(final ObjectComposer<P> json,
        final Channel c, final List<ProcMaps.Mapper> mappers, final long self) throws IOException
    {
        final ArrayComposer<ObjectComposer<P>> queues = json.put("name", c.name()).put("path", c.file().toString())
            .put("layout", c.layout().label()).put("capacity", c.capacity()).startArrayField("queues");
        for (final QueueSnapshot q : c.queues())
        {
            queues.startObject().put("name", q.name()).put("usedBytes", q.usedBytes())
                .put("percentFull", Math.round(q.percentFull() * 100) / 100.0)
                .put("pendingMessages", q.pendingMessages()).put("corruption", q.corruption())
                .end();
        }
        final ArrayComposer<ObjectComposer<P>> pids = queues.end().startArrayField("mappedBy");
        for (final ProcMaps.Mapper m : mappers)
        {
            if (m.pid() != self)
            {
                pids.add(m.pid());
            }
        }
        return pids.end();
    }

    private static String fill(final QueueSnapshot q)
    {
        if (null != q.corruption())
        {
            return "CORRUPT";
        }
        return String.format(Locale.ROOT, "%.2f%% %d msg%s", q.percentFull(), q.pendingMessages(),
            1 == q.pendingMessages() ? "" : "s");
    }

    /**
     * @param directory where to look.
     * @return the valid segments directly in it, by name.
     * @throws CliException if the directory cannot be read.
     */
    static List<Channel> channels(final Path directory)
    {
        final List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory))
        {
            for (final Path entry : entries)
            {
                if (!entry.getFileName().toString().startsWith(NamedSignals.LINUX_FILE_PREFIX) &&
                    Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS))
                {
                    candidates.add(entry);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new CliException(ExitCodes.FAILURE, directory + ": cannot list: " + ex.getMessage());
        }
        candidates.sort(null);
        final List<Channel> channels = new ArrayList<>();
        for (final Path file : candidates)
        {
            final AtomicReference<SharedSegment> opened = new AtomicReference<>();
            try
            {
                // opened and read on a thread of its own: a truncation's fault cannot reach this one (SegmentFiles)
                channels.add(SegmentFiles.readConfined(file,
                    () -> null != opened.get() ? opened.get().length() : -1, () ->
                    {
                        final SharedSegment segment = SharedSegment.open(file, true);
                        opened.set(segment);
                        SegmentFiles.mappedForTests(file);
                        final List<QueueSnapshot> queues = new ArrayList<>(2);
                        for (final QueueId queue : QueueId.values())
                        {
                            queues.add(QueueSnapshot.take(queue, segment.queueWalker(queue)));
                        }
                        return new Channel(file.getFileName().toString(), file, segment.layout(), segment.capacity(),
                            queues);
                    }));
            }
            catch (final RuntimeException ex)
            {
                // not a segment, removed meanwhile, truncated while read, or not readable: not a channel to list
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
        return channels;
    }
}
