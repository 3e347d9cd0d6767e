package io.shmipc.signals;

import com.sun.jna.NativeLibrary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30)
class NamedSignalsTest
{
    private final TestSignals signals = new TestSignals();

    @AfterEach
    void cleanUp()
    {
        signals.close();
    }

    private static Path file(final String name)
    {
        return Path.of("/dev/shm/sem." + name);
    }

    @Test
    void channelNamesFollowTheSpec()
    {
        assertEquals("SimpleIPC_REQ", NamedSignals.requestSignalName("SimpleIPC"));
        assertEquals("SimpleIPC_RESP", NamedSignals.responseSignalName("SimpleIPC"));
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.requestSignalName(""));
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.responseSignalName(null));
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.requestSignalName("/SimpleIPC"));
        assertEquals(Path.of("/dev/shm/sem.SimpleIPC_RESP"),
            NamedSignals.linuxFile(NamedSignals.responseSignalName("SimpleIPC")));
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.linuxFile("../x"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "/shmipc_test", "shmipc/test", "shmipc\\test", "shmipc\0test" })
    void namesWithSeparatorsAreRejectedBeforeAnySyscall(final String name)
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> NamedSignals.create(name, 0600));
        assertTrue(ex.getMessage().contains("without the leading '/'"), ex.getMessage());
        assertFalse(Files.exists(Path.of("/dev/shm/sem." + name.replace("/", "").replace("\0", ""))));
    }

    @Test
    void emptyAndNullNamesAreRejected()
    {
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.open(""));
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.exists(null));
    }

    @Test
    void nameMayUseAll251BytesButNotMore()
    {
        final String prefix = signals.newName("long_");
        final String longest = prefix + "x".repeat(NamedSignals.MAX_NAME_BYTES - prefix.length());
        signals.newName("unused"); // keep the counter moving; the long name is unlinked below
        assertEquals(251, longest.length());

        try (NamedSignal signal = NamedSignals.create(longest, 0600))
        {
            assertEquals(longest, signal.name());
            assertTrue(Files.exists(file(longest)));
        }
        finally
        {
            assertTrue(NamedSignals.unlink(longest));
        }

        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> NamedSignals.create(longest + "x", 0600));
        assertTrue(ex.getMessage().contains("252 bytes in UTF-8, the limit is 251"), ex.getMessage());

        final String multiByte = prefix + "\u00e9".repeat(NamedSignals.MAX_NAME_BYTES - prefix.length());
        final IllegalArgumentException utf8 = assertThrows(
            IllegalArgumentException.class, () -> NamedSignals.validateName(multiByte));
        assertTrue(utf8.getMessage().contains("bytes in UTF-8"), utf8.getMessage());
    }

    @Test
    void createMakesTheSpecFileWithTheGivenMode() throws Exception
    {
        final NamedSignal signal = signals.create("mode");
        assertInstanceOf(LinuxNamedSemaphore.class, signal);
        final Path file = file(signal.name());
        assertTrue(Files.exists(file), file + " missing");
        assertEquals(file, NamedSignals.linuxFile(signal.name()), "where glibc keeps it");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        assertEquals(0, signal.value(), "a new semaphore starts at 0");

        final String shared = signals.newName("spec_mode");
        try (NamedSignal spec = signals.track(NamedSignals.create(shared, NamedSignals.SPEC_MODE)))
        {
            final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file(shared));
            assertTrue(PosixFilePermissions.fromString("rw-r--r--").containsAll(permissions), permissions::toString);
            assertTrue(permissions.contains(PosixFilePermission.OWNER_WRITE), permissions::toString);
        }
    }

    @Test
    void modeOutsideOctal777IsRejected()
    {
        final String name = signals.newName("badmode");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> NamedSignals.create(name, 01000));
        assertTrue(ex.getMessage().contains("0..0777 octal, got 01000"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.create(name, -1));
        assertFalse(NamedSignals.exists(name));
    }

    @Test
    void createOfAnExistingSemaphoreKeepsItsCount()
    {
        final NamedSignal first = signals.create("twice");
        first.post();
        first.post();
        first.post();
        final NamedSignal second = signals.track(NamedSignals.create(first.name(), 0600));
        assertEquals(3, second.value());
    }

    @Test
    void postAwaitDrainAndValue()
    {
        final NamedSignal signal = signals.create("count");
        signal.post();
        signal.post();
        assertEquals(2, signal.value());
        assertTrue(signal.await(TimeUnit.SECONDS.toNanos(5)));
        assertEquals(1, signal.value());
        assertEquals(1, signal.drain());
        assertEquals(0, signal.value());
        assertEquals(0, signal.drain());
        assertFalse(signal.await(0), "zero timeout polls");
        assertFalse(signal.await(-5), "negative timeout polls");
    }

    @Test
    void awaitTimesOutWithoutAPostAndNotBeforeTheTimeout()
    {
        final NamedSignal signal = signals.create("timeout");
        final long timeoutNs = TimeUnit.MILLISECONDS.toNanos(50);
        final long start = System.nanoTime();
        assertFalse(signal.await(timeoutNs));
        final long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= timeoutNs, "returned after " + elapsed + " ns, before the " + timeoutNs + " ns timeout");
    }

    @Test
    void awaitIsWokenByAPostFromAnotherThread() throws Exception
    {
        final NamedSignal signal = signals.create("thread");
        final CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(
            () -> signal.await(TimeUnit.SECONDS.toNanos(20)));
        awaitWaiters(signal.name(), 1);
        signal.post();
        assertTrue(woken.get(10, TimeUnit.SECONDS));
        assertEquals(0, signal.value());
    }

    @Test
    void interruptedThreadDoesNotBlockAndKeepsItsFlag()
    {
        final NamedSignal signal = signals.create("interrupt");
        signal.post();
        Thread.currentThread().interrupt();
        try
        {
            assertFalse(signal.await(TimeUnit.SECONDS.toNanos(20)));
            assertTrue(Thread.currentThread().isInterrupted());
            assertEquals(1, signal.value(), "the post was not consumed");
        }
        finally
        {
            Thread.interrupted();
        }
    }

    @Test
    void openOfAMissingSemaphoreIsASignalNotFoundException()
    {
        final String name = signals.newName("missing");
        final SignalNotFoundException ex = assertThrows(SignalNotFoundException.class, () -> NamedSignals.open(name));
        assertEquals(name, ex.signalName());
        assertEquals(LibC.ENOENT, ex.errorCode());
        assertTrue(ex.getMessage().contains("/" + name), ex.getMessage());
        assertTrue(ex.getMessage().contains("errno 2 (No such file or directory)"), ex.getMessage());
        assertFalse(NamedSignals.exists(name));
    }

    @Test
    void openWithTimeoutGivesUpAfterTheTimeout()
    {
        final String name = signals.newName("never");
        final long start = System.nanoTime();
        final SignalNotFoundException ex = assertThrows(SignalNotFoundException.class,
            () -> NamedSignals.open(name, Duration.ofMillis(100)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100));
        assertTrue(ex.getMessage().startsWith("still missing after PT0.1S"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NamedSignals.open(name, Duration.ofMillis(-1)));
    }

    @Test
    void openWithTimeoutSucceedsOnceThePeerCreatesIt() throws Exception
    {
        final String name = signals.newName("late");
        final CompletableFuture<NamedSignal> opener = CompletableFuture.supplyAsync(
            () -> NamedSignals.open(name, Duration.ofSeconds(20)));
        Thread.sleep(150);
        assertFalse(opener.isDone(), "the peer has not created it yet");

        final NamedSignal creator = signals.create("unused");
        final NamedSignal created = signals.track(NamedSignals.create(name, 0600));
        final NamedSignal opened = signals.track(opener.get(10, TimeUnit.SECONDS));
        opened.post();
        assertEquals(1, created.value(), "both handles are the same semaphore");
        assertEquals(0, creator.value());
    }

    @Test
    void unlinkAndExists()
    {
        final NamedSignal signal = signals.create("unlink");
        final String name = signal.name();
        assertTrue(NamedSignals.exists(name));
        assertTrue(NamedSignals.unlink(name));
        assertFalse(Files.exists(file(name)));
        assertFalse(NamedSignals.exists(name));
        assertFalse(NamedSignals.unlink(name), "a missing semaphore is not an error");

        signal.post();
        assertEquals(1, signal.value(), "an open handle keeps working after unlink");
    }

    @Test
    void closedSignalRefusesUseAndClosesTwice()
    {
        final NamedSignal signal = signals.create("closed");
        signal.close();
        signal.close();
        final IllegalStateException ex = assertThrows(IllegalStateException.class, signal::post);
        assertTrue(ex.getMessage().contains("/" + signal.name()), ex.getMessage());
        assertThrows(IllegalStateException.class, () -> signal.await(1));
        assertThrows(IllegalStateException.class, signal::drain);
        assertThrows(IllegalStateException.class, signal::value);
        assertTrue(NamedSignals.exists(signal.name()), "close does not unlink");
    }

    @Test
    void failedSyscallReportsNameAndErrnoText() throws Exception
    {
        final String name = signals.newName("dir");
        final Path dir = file(name);
        Files.createDirectory(dir);
        try
        {
            final NamedSignalException ex = assertThrows(NamedSignalException.class,
                () -> NamedSignals.create(name, 0600));
            assertTrue(ex.getMessage().startsWith("sem_open(\"/" + name + "\", O_CREAT, 0600, 0) failed: errno "),
                ex.getMessage());
            assertTrue(ex.errorCode() > 0);
            assertTrue(ex.getMessage().matches(".*errno \\d+ \\([A-Z][^)]+\\)"), ex.getMessage());
        }
        finally
        {
            Files.delete(dir);
        }
    }

    @Test
    void waitsOnTheMonotonicClockWhereGlibcHasSemClockwait()
    {
        final String version = NativeLibrary.getInstance("c")
            .getFunction("gnu_get_libc_version").invokeString(new Object[0], false);
        final String[] parts = version.split("\\.");
        final boolean hasClockwait = Integer.parseInt(parts[0]) > 2 ||
            (Integer.parseInt(parts[0]) == 2 && Integer.parseInt(parts[1]) >= 30);
        assertEquals(hasClockwait, LinuxNamedSemaphore.usesMonotonicClock(), "glibc " + version);
    }

    /**
     * Waits until glibc's waiter count in the semaphore file (the u32 after the count, spec section 8) reaches
     * {@code waiters}: proof that a thread or process is blocked in the wait.
     */
    static void awaitWaiters(final String name, final int waiters) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int seen = -1;
        while (System.nanoTime() - deadline < 0)
        {
            final byte[] bytes = Files.readAllBytes(Path.of("/dev/shm/sem." + name));
            seen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
            if (seen >= waiters)
            {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no blocked waiter on /dev/shm/sem." + name + " within 10 s, waiters=" + seen);
    }
}
