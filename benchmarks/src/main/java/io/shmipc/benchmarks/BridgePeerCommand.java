package io.shmipc.benchmarks;

import io.shmipc.bridge.Bridge;
import io.aeron.driver.ThreadingMode;
import io.shmipc.bridge.BridgeConfig;
import io.shmipc.bridge.BridgeCounters;
import io.shmipc.bridge.GuestSideBridge;
import io.shmipc.bridge.HostSideBridge;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.WriteMode;
import org.agrona.DirectBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import com.sun.management.ThreadMXBean;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * One process of {@code bench bridge}, started by the parent; not meant to be run by hand. Roles:
 * <ul>
 *   <li>{@code pinger} ("machine A"): the hosts of the direct shm channel and the bridged channel and the pinger of
 *   Aeron's ping-pong ({@link BridgePinger}); writes its results to {@code --result}.</li>
 *   <li>{@code ponger} ("machine B"): the guests of both channels and the ponger of Aeron's ping-pong; each echoes
 *   every message.</li>
 *   <li>{@code host-side}, {@code guest-side}: one bridge each. On a line {@code snap} on standard input they print
 *   {@code snap MESSAGES TOTAL} and a tab-separated {@code NAME=BYTES} per thread name: the blocks the bridge
 *   has carried both ways, and the bytes allocated so far by every thread of the process but the one reading
 *   standard input (ThreadMXBean).</li>
 * </ul>
 * Every role but the pinger runs until a line {@code stop} or the end of standard input.
 */
@Command(name = "bridge-peer", hidden = true, description = "internal: one process of bench bridge")
final class BridgePeerCommand implements Callable<Integer>
{
    static final String PINGER = "pinger";
    static final String PONGER = "ponger";

    @Option(names = "--role", required = true)
    String role;

    @Option(names = "--shm", required = true, description = "name of the direct shm channel")
    String shmName;

    @Option(names = "--bridged", required = true, description = "name of the bridged channel at the host")
    String bridgedName;

    @Option(names = "--bridged-local", required = true, description = "name of the bridged channel at the guest")
    String bridgedLocalName;

    @Option(names = "--publish", required = true)
    String publish;

    @Option(names = "--subscribe", required = true)
    String subscribe;

    @Option(names = "--aeron-dir", required = true, description = "the embedded driver's directory")
    Path aeronDir;

    @Option(names = "--size", defaultValue = "32")
    int size;

    @Option(names = "--capacity", defaultValue = "1048576")
    int capacity;

    @Option(names = "--idle", required = true)
    String idle;

    @Option(names = "--aeron-idle", required = true)
    String aeronIdle;

    @Option(names = "--driver-idle", required = true)
    String driverIdle;

    @Option(names = "--local-idle", required = true)
    String localIdle;

    @Option(names = "--driver-threading", required = true)
    ThreadingMode driverThreading;

    @Option(names = "--rounds", defaultValue = "10")
    int rounds;

    @Option(names = "--round-ns", defaultValue = "1000000000")
    long roundNanos;

    @Option(names = "--warmup-ns", defaultValue = "1000000000")
    long warmupNanos;

    @Option(names = "--threads", defaultValue = "4")
    int threads;

    @Option(names = "--window", defaultValue = "16")
    int window;

    @Option(names = "--result")
    Path result;

    /** Aeron stream id of the floor's ping-pong (both directions; each has its own port). */
    static final int FLOOR_STREAM = 1001;

    /**
     * {@inheritDoc}
     */
    public Integer call() throws Exception
    {
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (role)
        {
            case PINGER:
                pinger(stdin);
                break;
            case PONGER:
                ponger(stdin);
                break;
            case HostSideBridge.SIDE:
            case GuestSideBridge.SIDE:
                bridge(stdin);
                break;
            default:
                throw new IllegalArgumentException("--role " + role + ": expected pinger, ponger, host-side or " +
                    "guest-side");
        }
        return 0;
    }

    private void pinger(final BufferedReader stdin) throws Exception
    {
        if (null == result)
        {
            throw new IllegalArgumentException("--result is required for the pinger");
        }
        final ResultFile out = new ResultFile();
        try (AeronFloor floor = new AeronFloor(aeronDir, publish, subscribe, FLOOR_STREAM, size, aeronIdle, driverIdle,
            false);
            IpcHost shm = IpcHost.start(BridgePinger.hostConfig(shmName, capacity, localIdle), BridgePinger::reqId);
            IpcHost bridged = IpcHost.start(BridgePinger.hostConfig(bridgedName, capacity, localIdle),
                BridgePinger::reqId))
        {
            new BridgePinger(new BridgePinger.Plan(size, rounds, roundNanos, warmupNanos, threads, window), floor,
                shm, bridged).run(out, System.out, stdin);
        }
        out.write(result);
    }

    private void ponger(final BufferedReader stdin) throws Exception
    {
        try (AeronFloor floor = new AeronFloor(aeronDir, publish, subscribe, FLOOR_STREAM, size, aeronIdle, driverIdle,
            true);
            IpcGuest shm = IpcGuest.start(guestConfig(shmName), BridgePeerCommand::echo);
            IpcGuest bridged = IpcGuest.start(guestConfig(bridgedLocalName), BridgePeerCommand::echo))
        {
            final Pong pong = new Pong(floor);
            final Thread thread = new Thread(pong, "bench-bridge-aeron-pong");
            thread.setDaemon(true);
            thread.start();
            awaitStop(stdin, null);
            pong.running = false;
            thread.join(10_000);
        }
    }

    private void bridge(final BufferedReader stdin) throws Exception
    {
        final boolean hostSide = HostSideBridge.SIDE.equals(role);
        final BridgeConfig config = new BridgeConfig(bridgedName)
            .localName(hostSide ? bridgedName : bridgedLocalName)
            .publish(publish)
            .subscribe(subscribe)
            .embeddedDir(aeronDir)
            .idle(idle)
            .driverIdle(driverIdle)
            .driverThreading(driverThreading)
            .capacity(capacity)
            .openTimeout(Duration.ofSeconds(60));
        try (Bridge bridge = hostSide ? HostSideBridge.start(config) : GuestSideBridge.start(config))
        {
            awaitStop(stdin, bridge);
        }
    }

    private ChannelConfig guestConfig(final String name)
    {
        return ChannelConfig.builder(name)
            .readerIdle(localIdle)
            .writerIdle(localIdle)
            .writeMode(WriteMode.CALLER)
            .openTimeout(Duration.ofSeconds(60))
            .build();
    }

    private static void echo(final DirectBuffer buffer, final int index, final int length,
        final IpcGuest guest)
    {
        guest.respond(buffer, index, length);
    }

    /**
     * Answer {@code snap} lines until {@code stop} or the end of standard input.
     */
    private static void awaitStop(final BufferedReader stdin, final Bridge bridge) throws Exception
    {
        String line;
        while (null != (line = stdin.readLine()) && !"stop".equals(line.trim()))
        {
            if ("snap".equals(line.trim()))
            {
                final long messages;
                if (null != bridge)
                {
                    final BridgeCounters.Snapshot counters = bridge.counters().snapshot();
                    messages = counters.messagesIn() + counters.messagesOut();
                }
                else
                {
                    messages = 0;
                }
                System.out.println("snap " + messages + " " + allocatedByOtherThreads());
                System.out.flush();
            }
        }
    }

    /**
     * @return {@code TOTAL}, then a tab and {@code NAME=BYTES} for each thread name (threads of one name summed),
     * tab separated: the bytes allocated so far by the live threads of this JVM other than the calling one.
     */
    static String allocatedByOtherThreads()
    {
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long self = Thread.currentThread().getId();
        final long[] ids = threads.getAllThreadIds();
        final ThreadInfo[] infos = threads.getThreadInfo(ids);
        final Map<String, Long> byName = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < ids.length; i++)
        {
            final long bytes = threads.getThreadAllocatedBytes(ids[i]);
            if (ids[i] != self && null != infos[i] && bytes > 0)
            {
                total += bytes;
                byName.merge(infos[i].getThreadName().replace('\t', ' ').replace('=', '-'), bytes, Long::sum);
            }
        }
        final StringBuilder sb = new StringBuilder(Long.toString(total));
        for (final Map.Entry<String, Long> e : byName.entrySet())
        {
            sb.append('\t').append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /** The ponger's poll loop, on a thread of its own. */
    private static final class Pong implements Runnable
    {
        private final AeronFloor floor;
        volatile boolean running = true;

        Pong(final AeronFloor floor)
        {
            this.floor = floor;
        }

        public void run()
        {
            floor.pong(() -> running);
        }
    }
}
