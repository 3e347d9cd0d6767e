package io.shmipc.bridge;

import io.shmipc.core.channel.HostChannel;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A host-side bridge killed with -9 mid-batch has read blocks (the core's reader marks them consumed) without
 * storing readPos; the ring hands them to its successor again. The successor finds them before it starts reading
 * and marks them redelivered; the guest-side drops those it has already delivered, and only those.
 */
class BridgeRedeliveryTest
{
    @Test
    @Timeout(30)
    void blocksADeadConsumerMarkedAreFoundBeforeTheNewReaderStarts() throws Exception
    {
        final String a = uniqueName("bda");
        try (HostChannel host = HostChannel.start(channel(a).build(), (type, buffer, index, length) -> { }))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[20]);
            for (int i = 0; i < 3; i++)
            {
                assertTrue(host.send(message, 0, 20));
            }
            final AtomicBuffer queue = host.segment().queueBuffer(QueueId.TO_GUEST);
            waitUntil("three blocks published", Duration.ofSeconds(5),
                () -> queue.getLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET) ==
                    3L * SimpleIpcDescriptor.blockLength(20));
            assertEquals(0, HostSideBridge.redeliveredUntil(SharedSegment.shmPath(a)), "nothing read yet");
            // A consumer read the first two and died before storing readPos: their headers carry the consumed mark.
            final int block = SimpleIpcDescriptor.blockLength(20);
            for (int i = 0; i < 2; i++)
            {
                final int magicAt =
                    SimpleIpcDescriptor.HEADER_LENGTH + i * block + SimpleIpcDescriptor.BLOCK_MAGIC_OFFSET;
                queue.putInt(magicAt, queue.getInt(magicAt) | SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG);
            }
            assertEquals(2L * block, HostSideBridge.redeliveredUntil(SharedSegment.shmPath(a)));
        }
        finally
        {
            cleanUp(a);
        }
    }

    @Test
    @Timeout(30)
    void theGuestSideDropsARedeliveredRequestItHasDeliveredAndOnlyThat() throws Exception
    {
        final String a = uniqueName("bdb");
        final String b = uniqueName("bdc");
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, udp(freePort()), udp(freePort()), errors)
            .invoker(true)))
        {
            final long first = 11;
            final long second = 22;
            for (final long position : new long[]{0, 32, 64})
            {
                assertTrue(guestSide.acceptIncoming(first, position, false));
                guestSide.delivered(first, position);
            }
            // The successor's run: the ring hands it 32 and 64 again (marked), then 96 (marked: read, not received).
            assertFalse(guestSide.acceptIncoming(second, 32, true), "delivered already");
            assertFalse(guestSide.acceptIncoming(second, 64, true), "delivered already");
            assertTrue(guestSide.acceptIncoming(second, 96, true), "never delivered");
            guestSide.delivered(second, 96);
            assertTrue(guestSide.acceptIncoming(second, 128, false));
            // A new host (its ring starts at 0 again) is never mistaken for a redelivery: its blocks are not marked.
            assertTrue(guestSide.acceptIncoming(33, 0, false));
        }
        finally
        {
            cleanUp(a, b);
        }
    }
}
