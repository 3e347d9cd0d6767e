package io.shmipc.signals;

import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.SleepGuard;
import com.sun.jna.NativeLibrary;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * CPU cost of an idle reader, read from {@code /proc/self/task/TID/stat} (utime + stime in clock ticks).
 * The margins are wide on purpose: this checks "does not spin", not a speed.
 */
@Timeout(value = 60)
class IdleCpuTest
{
    private static final long CLOCK_TICKS_PER_SECOND = NativeLibrary.getInstance("c")
        .getFunction("sysconf").invokeLong(new Object[]{ 2 }); // _SC_CLK_TCK

    private final TestSignals signals = new TestSignals();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread reader;

    @AfterEach
    void cleanUp() throws Exception
    {
        running.set(false);
        if (null != reader)
        {
            reader.interrupt();
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
        signals.close();
    }

    @Test
    void readerParkedInWaitUsesWellUnderFivePercentOfACore() throws Exception
    {
        final NamedSignal signal = signals.create("cpu");
        final IdleStrategy strategy = IdleStrategies.parse("wait").newStrategy(signal, SleepGuard.NONE);
        reader = startIdleReader("wait-cpu-test", strategy);

        Thread.sleep(500); // well past the spin, yield and park phases
        final double fraction = cpuFraction("wait-cpu-test", TimeUnit.SECONDS.toNanos(5));

        assertTrue(fraction < 0.05, "idle reader in wait used " + percent(fraction) + " of a core over 5 s");
    }

    @Test
    void measurementSeesASpinningReader() throws Exception
    {
        reader = startIdleReader("spin-cpu-test", IdleStrategies.parse("busy-spin").newStrategy(null, null));

        final double fraction = cpuFraction("spin-cpu-test", TimeUnit.SECONDS.toNanos(1));

        assertTrue(fraction > 0.1, "busy-spin reader used only " + percent(fraction) + " of a core: " +
            "the /proc measurement does not see the thread");
    }

    /** Starts a thread that polls an always-empty "ring" and idles with {@code strategy} until the test ends. */
    private Thread startIdleReader(final String name, final IdleStrategy strategy)
    {
        final Thread thread = new Thread(() ->
        {
            while (running.get() && !Thread.currentThread().isInterrupted())
            {
                strategy.idle(0);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static double cpuFraction(final String threadName, final long intervalNs) throws Exception
    {
        final Path stat = findTask(threadName).resolve("stat");
        final long startTicks = cpuTicks(stat);
        final long start = System.nanoTime();
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(intervalNs));
        final long ticks = cpuTicks(stat) - startTicks;
        final long elapsed = System.nanoTime() - start;
        return (double)ticks / CLOCK_TICKS_PER_SECOND / (elapsed / 1e9);
    }

    private static Path findTask(final String threadName) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0)
        {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task")))
            {
                for (final Path task : tasks)
                {
                    try
                    {
                        if (threadName.equals(Files.readString(task.resolve("comm")).trim()))
                        {
                            return task;
                        }
                    }
                    catch (final NoSuchFileException ignore)
                    {
                        // thread ended while listing
                    }
                }
            }
            Thread.sleep(10);
        }
        return fail("no task named " + threadName + " in /proc/self/task");
    }

    /** utime + stime (fields 14 and 15 of stat(5)), counted after the ")" that ends the command name. */
    private static long cpuTicks(final Path stat) throws IOException
    {
        final String text = Files.readString(stat);
        final String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields[0] is field 3 (state)
    }

    private static String percent(final double fraction)
    {
        return String.format("%.2f%%", fraction * 100);
    }
}
