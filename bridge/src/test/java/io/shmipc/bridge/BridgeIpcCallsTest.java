package io.shmipc.bridge;

import com.google.flatbuffers.FlatBufferBuilder;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.schemas.IpcMessages;
import ipc.AddRequest;
import ipc.AddResponse;
import ipc.Message;
import ipc.Payload;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * FlatBuffers calls from four threads through both bridges over {@code aeron:ipc}, both bridges on one external
 * media driver ({@code --aeron-dir}); and the round trip of one thread, measured.
 */
class BridgeIpcCallsTest
{
    static IpcGuest addGuest(final String name)
    {
        final FlatBufferBuilder builder = new FlatBufferBuilder(128);
        return IpcGuest.start(channel(name).writeMode(WriteMode.CALLER).build(), (buffer, index, length, guest) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(index, bytes);
            final Message request = Message.getRootAsMessage(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            final AddRequest add = (AddRequest)request.payload(new AddRequest());
            builder.clear();
            assertTrue(guest.respond(IpcMessages.encodeAddResponse(builder, request.reqId(), add.x() + add.y())));
        });
    }

    static double add(final IpcHost host, final double x, final double y) throws Exception
    {
        final ByteBuffer response =
            host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, x, y), Duration.ofSeconds(5));
        final Message message = Message.getRootAsMessage(response);
        assertEquals(Payload.AddResponse, message.payloadType());
        return ((AddResponse)message.payload(new AddResponse())).result();
    }

    @Test
    @Timeout(60)
    void flatBuffersCallsFromFourThreadsOverAeronIpcOnAnExternalDriver() throws Exception
    {
        final String a = uniqueName("bia");
        final String b = uniqueName("bib");
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir(a, "driver").toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(
                IdleStrategies.parse("backoff:spins=10,yields=20,minPark=1us,maxPark=1ms").newStrategy(null, null))
            .ipcTermBufferLength(TERM_LENGTH)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try (MediaDriver driver = MediaDriver.launch(driverContext);
             IpcHost host = IpcHost.start(channel(a).build(), IpcMessages::reqId);
             HostSideBridge hostSide = HostSideBridge.start(hostSide(a, "aeron:ipc", "aeron:ipc", errors)
                 .aeronDir(driver.aeronDirectoryName()));
             GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, "aeron:ipc", "aeron:ipc", errors)
                 .aeronDir(driver.aeronDirectoryName()));
             IpcGuest guest = addGuest(b))
        {
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)), "host-side link");
            assertTrue(guestSide.awaitLink(Duration.ofSeconds(10)), "guest-side link");
            final int calls = 2_500;
            final List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final int thread = t;
                futures.add(pool.submit(() ->
                {
                    for (int i = 0; i < calls; i++)
                    {
                        assertEquals(thread * 1_000_000.0 + i + 0.5, add(host, thread * 1_000_000.0 + i, 0.5));
                    }
                    return null;
                }));
            }
            for (final Future<?> future : futures)
            {
                future.get(45, TimeUnit.SECONDS);
            }
            assertEquals(0, host.unknownResponses() + host.expiredResponses() + host.malformedResponses());

            final int oneByOne = 2_000;
            for (int i = 0; i < oneByOne; i++)
            {
                assertEquals(i + 1.0, add(host, i, 1));
            }
            assertTrue(errors.isEmpty(), errors::toString);
            assertEquals(4 * calls + oneByOne, hostSide.counters().snapshot().messagesIn());
        }
        finally
        {
            pool.shutdownNow();
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }

    @Test
    @Timeout(60)
    void bothBridgesRunAsInvokersInTheApplicationsOwnDutyCycle() throws Exception
    {
        final String a = uniqueName("bva");
        final String b = uniqueName("bvb");
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir(a, "driver").toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(
                IdleStrategies.parse("backoff:spins=10,yields=20,minPark=1us,maxPark=1ms").newStrategy(null, null))
            .ipcTermBufferLength(TERM_LENGTH)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
        final AtomicBoolean running = new AtomicBoolean(true);
        Thread duty = null;
        try (MediaDriver driver = MediaDriver.launch(driverContext);
             IpcHost host = IpcHost.start(channel(a).build(), IpcMessages::reqId);
             HostSideBridge hostSide = HostSideBridge.start(hostSide(a, "aeron:ipc", "aeron:ipc", errors)
                 .aeronDir(driver.aeronDirectoryName()).invoker(true));
             GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, "aeron:ipc", "aeron:ipc", errors)
                 .aeronDir(driver.aeronDirectoryName()).invoker(true));
             IpcGuest guest = addGuest(b))
        {
            assertNotNull(hostSide.invoker());
            duty = new Thread(() ->
            {
                final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, 200_000);
                while (running.get())
                {
                    idle.idle(hostSide.invoker().invoke() + guestSide.invoker().invoke()); // one thread, both agents
                }
            }, "test-duty-cycle");
            duty.start();
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)));
            for (int i = 0; i < 500; i++)
            {
                assertEquals(i + 3.0, add(host, i, 3));
            }
            assertTrue(errors.isEmpty(), errors::toString);
            running.set(false); // the application stops invoking before it closes the bridges
            duty.join(5_000);
        }
        finally
        {
            running.set(false);
            if (duty != null)
            {
                duty.join(5_000);
            }
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }
}
