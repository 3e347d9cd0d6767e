package io.shmipc.benchmarks;

import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.SleepGuard;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import org.agrona.concurrent.IdleStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The cost of one {@code idle(0)} step of each idle strategy right after work, i.e. of the first empty poll of a
 * reader's loop: a spin hint for {@code busy-spin} and for the spin phase of {@code backoff} and {@code wait}, a
 * {@code Thread.yield()} for {@code yield}, nothing for {@code no-op}. Each invocation is {@code idle(0)} then
 * {@code reset()}, so the strategies never reach their park or block phases here: what those cost (wake-up latency,
 * idle CPU) is measured across processes by {@code bench matrix}. Run with {@code -prof gc} to see that a step
 * allocates nothing.
 * <p>
 * The {@code wait} strategy gets a real named semaphore ({@code /shmipc-bench-jmh-PID_REQ}), unlinked at tear-down.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class IdleStrategyBenchmark
{
    @Param({"busy-spin", "no-op", "yield", "backoff", "wait"})
    public String strategy;

    private IdleStrategy idle;
    private NamedSignal signal;
    private String signalName;

    @Setup
    public void setUp()
    {
        if (IdleStrategies.WAIT.equals(strategy))
        {
            signalName = NamedSignals.requestSignalName("shmipc-bench-jmh-" + ProcessHandle.current().pid());
            signal = NamedSignals.create(signalName, 0600);
        }
        idle = IdleStrategies.parse(strategy).newStrategy(signal, SleepGuard.NONE);
    }

    @TearDown
    public void tearDown()
    {
        if (null != signal)
        {
            signal.close();
            NamedSignals.unlink(signalName);
        }
    }

    @Benchmark
    public void firstEmptyPoll()
    {
        idle.idle(0);
        idle.reset();
    }
}
