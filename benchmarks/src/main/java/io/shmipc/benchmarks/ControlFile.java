package io.shmipc.benchmarks;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

/**
 * A small mapped file shared by the processes of one benchmark run: the phase the run is in, progress counters
 * and the lines of the raw cache-line floors. Every field has a 128-byte slot of its own, so no two fields
 * share a cache line or an adjacent-line prefetch pair: false sharing in the harness would otherwise be measured.
 * <p>
 * Fields are written with release stores and read with volatile loads; each has exactly one writer process.
 */
final class ControlFile implements AutoCloseable
{
    /** Run phase, written by the driving side (pinger, consumer), read by everyone. */
    static final int PHASE_OFFSET = 0;
    /** Operations done, written by the driving side now and then, read by the parent for progress. */
    static final int PROGRESS_OFFSET = 128;
    /** Set to 1 by the passive side (ponger, producer) once it is attached and polling. */
    static final int READY_OFFSET = 256;
    /**
     * Round method: incremented (release) by the driving side each time it switches variant or phase, after writing
     * {@link #VARIANT_OFFSET} and {@link #PHASE_OFFSET}; the passive side serves one variant until this changes.
     */
    static final int SWITCH_OFFSET = 640;
    /** Round method: index of the variant being measured, -1 for none. */
    static final int VARIANT_OFFSET = 768;
    /** Round method: the round being measured (0-based), -1 during the warm-up. */
    static final int ROUND_OFFSET = 896;
    /** Round method: floor slot i starts at {@code FLOOR_BASE + FLOOR_SLOT_LENGTH * i}. */
    static final int FLOOR_BASE = 1024;
    /**
     * Round method: the ping lines of a floor slot, 256 bytes apart, each answered on the line 128 bytes further; a
     * floor moves to the next for every round trip. What one cache line costs to move between two cores depends on
     * its address (on an Intel Xeon VM two fixed lines in one pair of processes differed by up to 21% at p50, with
     * IQRs under 1%), so a floor on one fixed line was a draw from that spread in each pair of processes, while a
     * ring's data moves through memory; over 64 lines the floor averages it as a ring does.
     */
    static final int FLOOR_LINES = 64;
    /** From a floor's ping line to the pong line that answers it: in the next prefetch pair of lines. */
    static final int FLOOR_PONG_DISTANCE = 128;
    /** Round method: bytes of one floor slot. */
    static final int FLOOR_SLOT_LENGTH = 2 * FLOOR_PONG_DISTANCE * FLOOR_LINES;
    /** Round method: how many floor slots the file has (the self-check uses two, the two-line floor two). */
    static final int MAX_FLOORS = 4;
    /** Length of the file: the fields, then the floor slots. */
    static final int LENGTH = FLOOR_BASE + MAX_FLOORS * FLOOR_SLOT_LENGTH;

    static final int INIT = 0;
    static final int WARMUP = 1;
    static final int MEASURE = 2;
    static final int IDLE = 3;
    static final int WAKE = 4;
    static final int DONE = 5;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;

    private ControlFile(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    /**
     * Create the file, zeroed. It must not exist.
     *
     * @throws UncheckedIOException if it exists or cannot be created.
     */
    static ControlFile create(final Path file)
    {
        return map(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    /**
     * Map an existing file created by {@link #create(Path)}.
     *
     * @throws UncheckedIOException if it does not exist or cannot be mapped.
     */
    static ControlFile open(final Path file)
    {
        return map(file, EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    private static ControlFile map(final Path file, final EnumSet<StandardOpenOption> options)
    {
        try (FileChannel channel = FileChannel.open(file, options))
        {
            return new ControlFile(channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot map the benchmark control file " + file + ": " + ex, ex);
        }
    }

    /**
     * @return the buffer over the file, for hot loops that keep it in a local.
     */
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    int phase()
    {
        return buffer.getIntVolatile(PHASE_OFFSET);
    }

    void phase(final int phase)
    {
        buffer.putIntRelease(PHASE_OFFSET, phase);
    }

    long progress()
    {
        return buffer.getLongVolatile(PROGRESS_OFFSET);
    }

    void progress(final long operations)
    {
        buffer.putLongRelease(PROGRESS_OFFSET, operations);
    }

    int switchCount()
    {
        return buffer.getIntVolatile(SWITCH_OFFSET);
    }

    int variant()
    {
        return buffer.getIntVolatile(VARIANT_OFFSET);
    }

    int round()
    {
        return buffer.getIntVolatile(ROUND_OFFSET);
    }

    void round(final int round)
    {
        buffer.putIntRelease(ROUND_OFFSET, round);
    }

    /**
     * Round method: make {@code variant} the one measured, in {@code phase}, and tell the passive side.
     */
    void switchTo(final int variant, final int phase)
    {
        buffer.putIntRelease(VARIANT_OFFSET, variant);
        buffer.putIntRelease(PHASE_OFFSET, phase);
        buffer.putIntRelease(SWITCH_OFFSET, buffer.getInt(SWITCH_OFFSET) + 1);
    }

    /**
     * @return the offset of floor slot {@code slot}'s first ping line; round trip v pings {@link #floorLine}(v)
     * further and is answered {@link #FLOOR_PONG_DISTANCE} beyond that.
     */
    static int floorPingOffset(final int slot)
    {
        if (slot < 0 || slot >= MAX_FLOORS)
        {
            throw new IllegalArgumentException("floor slot " + slot + " outside 0.." + (MAX_FLOORS - 1));
        }
        return FLOOR_BASE + FLOOR_SLOT_LENGTH * slot;
    }

    /**
     * @return where in its floor slot round trip {@code value} pings (and, {@link #FLOOR_PONG_DISTANCE} further, is
     * answered): the {@code value % FLOOR_LINES}-th pair of lines, so that both sides derive it from the counter.
     */
    static int floorLine(final long value)
    {
        return ((int)value & (FLOOR_LINES - 1)) * 2 * FLOOR_PONG_DISTANCE;
    }

    boolean isReady()
    {
        return 1 == buffer.getIntVolatile(READY_OFFSET);
    }

    void ready()
    {
        buffer.putIntRelease(READY_OFFSET, 1);
    }

    /**
     * Unmap. The buffer must not be used afterwards.
     */
    public void close()
    {
        IoUtil.unmap(mapped);
    }

    /**
     * @return a phase's name for messages.
     */
    static String phaseName(final int phase)
    {
        switch (phase)
        {
            case INIT: return "init";
            case WARMUP: return "warm-up";
            case MEASURE: return "measure";
            case IDLE: return "idle";
            case WAKE: return "wake-up";
            case DONE: return "done";
            default: return "phase " + phase;
        }
    }
}
