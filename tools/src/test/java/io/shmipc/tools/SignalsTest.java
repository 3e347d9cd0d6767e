package io.shmipc.tools;

import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.schemas.AddService;
import io.shmipc.schemas.IpcMessages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGINT and SIGTERM sent to {@code shmipc host} and {@code shmipc guest} (child JVMs) at seeded random moments,
 * from JVM start-up through channel creation to serving calls (issue 10, "Signals"): every time, no JVM crash (no
 * exit 134, no {@code hs_err_pid*.log}), exit 130 for SIGINT and 143 for SIGTERM, and none of the channel's files
 * ({@code NAME}, {@code sem.NAME_REQ}, {@code sem.NAME_RESP}) left in /dev/shm once the host is gone.
 * <p>
 * {@value #DEFAULT_ROUNDS} rounds per signal and side ({@code -Dshmipc.signals.rounds=N}, seed
 * {@code -Dshmipc.signals.seed=S}); host rounds and guest rounds run side by side. Odd host rounds have a guest (in
 * this JVM) so the kill can land in the benchmark; odd guest rounds have a host (in this JVM) calling, so it can
 * land while the guest answers. After a guest is killed, the host is closed normally and the files are checked.
 */
class SignalsTest
{
    private static final int DEFAULT_ROUNDS = 20;
    private static final int SIGINT = 2;
    private static final int SIGTERM = 15;
    /** Kills land this long after the child JVM was spawned, at most: start-up takes about 0.3-0.6 s of it. */
    private static final int MAX_DELAY_MS = 1400;

    private final Channels channels = new Channels();
    private final List<AutoCloseable> closeables = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void cleanUp() throws Exception
    {
        synchronized (closeables)
        {
            for (final AutoCloseable closeable : closeables)
            {
                try
                {
                    closeable.close();
                }
                catch (final Exception ignore)
                {
                    // best effort: the next closes still run
                }
            }
        }
        channels.removeAll();
    }

    @Test
    @Timeout(300)
    void sigintAndSigtermOfHostAndGuestAtRandomMomentsExitCleanlyAndLeaveNoFiles() throws Exception
    {
        final int rounds = Integer.getInteger("shmipc.signals.rounds", DEFAULT_ROUNDS);
        final long seed = Long.getLong("shmipc.signals.seed", 20261201L);
        final List<String> prefix = signalResettingPrefix();
        final CompletableFuture<String> hosts = CompletableFuture.supplyAsync(() ->
            run(() -> hostRounds(new Random(seed), rounds, prefix)));
        final CompletableFuture<String> guests = CompletableFuture.supplyAsync(() ->
            run(() -> guestRounds(new Random(seed + 1), rounds, prefix)));
        final String hostSummary = hosts.get(280, TimeUnit.SECONDS);
        final String guestSummary = guests.get(280, TimeUnit.SECONDS);
        // each side's summary: its name, then one "delay:exit code" per round and signal
        assertEquals(1 + 2 * rounds, hostSummary.split(" ").length, "seed " + seed + ": " + hostSummary);
        assertEquals(1 + 2 * rounds, guestSummary.split(" ").length, "seed " + seed + ": " + guestSummary);
    }

    private interface Rounds
    {
        String run() throws Exception;
    }

    private static String run(final Rounds rounds)
    {
        try
        {
            return rounds.run();
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
    }

    private String hostRounds(final Random random, final int rounds, final List<String> prefix) throws Exception
    {
        final StringBuilder summary = new StringBuilder("host:");
        final List<CompletableFuture<Void>> guests = new ArrayList<>();
        for (int round = 0; round < 2 * rounds; round++)
        {
            final int signal = 0 == round % 2 ? SIGINT : SIGTERM;
            final boolean withGuest = 1 == (round / 2) % 2;
            final int delayMs = random.nextInt(MAX_DELAY_MS);
            final String name = channels.newName("sighost");
            final Child host = Child.cliAfter(prefix, "host", name, "--capacity", "64KiB", "--idle", "backoff",
                "--iterations", "100000000", "--wait-guest", "60s", "--call-timeout", "5s");
            closeables.add(host);
            final CompletableFuture<IpcGuest> guest = withGuest ? startGuest(name) : null;
            Thread.sleep(delayMs);
            kill(host.pid(), signal);
            final int code = host.waitFor(60);
            final String context = "host round " + round + " (SIG" + (SIGINT == signal ? "INT" : "TERM") + " after " +
                delayMs + " ms" + (withGuest ? ", with a guest" : "") + "): exit " + code + "\n" + host.output();
            checkNoCrash(host, code, context);
            checkExitCode(host, code, signal, context);
            Channels.assertNoFiles(name);
            if (null != guest)
            {
                guests.add(stopGuest(guest));
            }
            summary.append(' ').append(delayMs).append("ms:").append(code);
        }
        CompletableFuture.allOf(guests.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        return summary.toString();
    }

    private String guestRounds(final Random random, final int rounds, final List<String> prefix) throws Exception
    {
        final StringBuilder summary = new StringBuilder("guest:");
        for (int round = 0; round < 2 * rounds; round++)
        {
            final int signal = 0 == round % 2 ? SIGINT : SIGTERM;
            final boolean calling = 1 == (round / 2) % 2;
            final int delayMs = random.nextInt(MAX_DELAY_MS);
            final String name = channels.newName("sigguest");
            final IpcHost host = IpcHost.start(ChannelConfig.builder(name).capacity(64 * 1024).readerIdle("backoff")
                .writerIdle("backoff").callTimeout(Duration.ofSeconds(2)).build(), IpcMessages::reqId);
            closeables.add(host);
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread caller = new Thread(() ->
            {
                while (!stop.get())
                {
                    try
                    {
                        host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 2), Duration.ofMillis(500));
                    }
                    catch (final Exception ex)
                    {
                        // no guest yet, or it was just killed: keep calling until told to stop
                    }
                }
            }, "signals-caller-" + round);
            caller.setDaemon(true);
            if (calling)
            {
                caller.start();
            }
            final Child guest = Child.cliAfter(prefix, "guest", name, "--idle", "backoff", "--timeout", "30s");
            closeables.add(guest);
            try
            {
                Thread.sleep(delayMs);
                kill(guest.pid(), signal);
                final int code = guest.waitFor(60);
                final String context = "guest round " + round + " (SIG" + (SIGINT == signal ? "INT" : "TERM") +
                    " after " + delayMs + " ms" + (calling ? ", host calling" : "") + "): exit " + code + "\n" +
                    guest.output();
                checkNoCrash(guest, code, context);
                checkExitCode(guest, code, signal, context);
            }
            finally
            {
                stop.set(true);
                caller.join(5000);
                host.close();
            }
            Channels.assertNoFiles(name);
            summary.append(' ').append(delayMs).append("ms:").append(guest.waitFor(1));
        }
        return summary.toString();
    }

    /** An IpcGuest in this JVM answering the host's calls, started once the host's channel appears. */
    private CompletableFuture<IpcGuest> startGuest(final String name)
    {
        final ThreadLocal<AddService> services = ThreadLocal.withInitial(AddService::new);
        return CompletableFuture.supplyAsync(() ->
        {
            final IpcGuest guest = IpcGuest.start(ChannelConfig.builder(name).readerIdle("backoff")
                .writerIdle("backoff").openTimeout(Duration.ofSeconds(5)).build(), (buffer, index, length, g) ->
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(index, bytes);
                final ByteBuffer response = services.get().answer(ByteBuffer.wrap(bytes));
                if (null != response)
                {
                    g.respond(response);
                }
            });
            closeables.add(guest);
            return guest;
        });
    }

    /**
     * The host is gone: its guest stops by itself (segment removed); close it in any case. Asynchronous, since a
     * guest whose host was killed before its channel existed waits out its open timeout first.
     */
    private static CompletableFuture<Void> stopGuest(final CompletableFuture<IpcGuest> start)
    {
        return start.handle((guest, failure) ->
        {
            if (null != guest)
            {
                try
                {
                    guest.awaitStop(Duration.ofSeconds(5));
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                guest.close();
            }
            return null; // a failed start: the host was killed before its channel existed, or while it was removed
        });
    }

    private static void checkNoCrash(final Child child, final int code, final String context)
    {
        assertFalse(134 == code, "JVM crash (exit 134): " + context);
        final Path hsErr = Child.moduleDir().resolve("hs_err_pid" + child.pid() + ".log");
        assertFalse(Files.exists(hsErr), "JVM crash log " + hsErr + ": " + context);
        assertFalse(child.output().contains("A fatal error has been detected"), context);
        assertFalse(child.output().contains("\tat ") && !killedWhileBooting(child), "a stack trace: " + context);
    }

    /**
     * A signal that lands while the JVM itself is still booting (before main: nothing of ours ran or was created)
     * ends it with the JDK's own "Error occurred during initialization of VM" and its trace, not ours, and with the
     * JDK's exit code (128 + the signal, or 1 when the signal interrupts the JDK's own init, "Bad level").
     */
    private static boolean killedWhileBooting(final Child child)
    {
        return child.output().startsWith("Error occurred during initialization of VM");
    }

    /** Once main runs, a signal ends the command with 128 + the signal (docs/cli.md). */
    private static void checkExitCode(final Child child, final int code, final int signal, final String context)
    {
        if (killedWhileBooting(child))
        {
            assertTrue(128 + signal == code || 1 == code, context);
            return;
        }
        assertEquals(128 + signal, code, context);
    }

    private static void kill(final long pid, final int signal) throws Exception
    {
        try (Child kill = Child.exec("kill", "-s", SIGINT == signal ? "INT" : "TERM", Long.toString(pid)))
        {
            kill.waitFor(10); // exit 1 if the child had already exited: then its exit code tells
        }
    }

    /**
     * A child inherits an ignored SIGINT (e.g. from a shell's background job), and a JVM that starts with SIGINT
     * ignored never installs its handler: reset both signals to their defaults where {@code env} can.
     */
    private static List<String> signalResettingPrefix() throws IOException, InterruptedException
    {
        final Path env = Paths.get("/usr/bin/env");
        try (Child probe = Child.exec(env.toString(), "--default-signal=INT,TERM", "true"))
        {
            return 0 == probe.waitFor(10) ? List.of(env.toString(), "--default-signal=INT,TERM") : List.of();
        }
    }
}
