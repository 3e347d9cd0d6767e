/*
 * A SimpleIPC v1 peer written from docs/layout.md alone, to prove that shmipc's bytes are the C++/Go library's.
 *
 *   simpleipc_peer duplex FILE host|guest COUNT SEED MAX_EXTRA
 *
 * maps FILE (a segment another process initialised), writes COUNT test messages to its outgoing queue (host:
 * queue 0, guest: queue 1) and reads and verifies COUNT messages from its incoming queue, on one thread, following
 * the producer and consumer rules of the layout. The traffic is that of PeerMessages.java: message seq has
 * length 12 + mix % (MAX_EXTRA + 1), starts with seq (u64 LE), continues with (mix >> 8*(i%8)) ^ i and ends with
 * the FNV-1a hash of the bytes before it. The host writes with SEED, the guest with SEED ^ 1.
 * Exit codes: 0 all verified, 1 wrong message or layout violation, 2 timeout, 3 usage or system error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "simpleipc.h"


static uint64_t mix(uint64_t seed, uint64_t seq)
{
    uint64_t z = (seed ^ (seq * 0x9E3779B97F4A7C15ull)) + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 0x811C9DC5u;
    for (size_t i = 0; i < n; i++)
    {
        h ^= p[i];
        h *= 0x01000193u;
    }
    return h;
}

static uint32_t msg_length(uint64_t seed, uint64_t seq, uint32_t max_extra)
{
    return 12 + (uint32_t)(mix(seed, seq) % ((uint64_t)max_extra + 1));
}

static uint32_t encode(uint8_t *out, uint64_t seed, uint64_t seq, uint32_t max_extra)
{
    uint32_t len = msg_length(seed, seq, max_extra);
    uint64_t m = mix(seed, seq);
    memcpy(out, &seq, 8);
    for (uint32_t i = 8; i < len - 4; i++)
    {
        out[i] = (uint8_t)((m >> (8 * (i & 7))) ^ i);
    }
    uint32_t h = fnv1a(out, len - 4);
    memcpy(out + len - 4, &h, 4);
    return len;
}

static uint64_t expected_seed;
static uint32_t expected_max_extra;
static uint64_t next_seq;

/* Consumer rules, with the checks shmipc adds: returns messages verified, or -1 on a failure (printed). */
static long read_all(queue_t *q)
{
    uint64_t r = *(volatile uint64_t *)(q->base + READ_POS);
    uint64_t w = load_acquire(q->base + WRITE_POS);
    long n = 0;
    if (r > w || w - r > q->capacity)
    {
        fprintf(stderr, "bad positions readPos=%" PRIu64 " writePos=%" PRIu64 "\n", r, w);
        return -1;
    }
    while (r < w)
    {
        uint64_t offset = r % q->capacity;
        uint64_t space_to_end = q->capacity - offset;
        if (space_to_end < 8)
        {
            r += space_to_end;
            continue;
        }
        uint32_t size, magic;
        memcpy(&size, q->data + offset, 4);
        memcpy(&magic, q->data + offset + 4, 4);
        if (magic == MAGIC_PADDING)
        {
            if ((uint64_t)size + 8 != space_to_end)
            {
                fprintf(stderr, "padding of %u bytes at %" PRIu64 " does not end the data area\n", size, r);
                return -1;
            }
            r += (uint64_t)size + 8;
            continue;
        }
        if (magic != MAGIC_DATA || (uint64_t)size + 8 > space_to_end || r + align8(size) + 8 > w)
        {
            fprintf(stderr, "bad block at %" PRIu64 ": size %u magic 0x%08X\n", r, size, magic);
            return -1;
        }
        const uint8_t *p = q->data + offset + 8;
        uint64_t seq;
        memcpy(&seq, p, 8);
        uint32_t want = msg_length(expected_seed, next_seq, expected_max_extra);
        uint8_t expected[70000];
        encode(expected, expected_seed, next_seq, expected_max_extra);
        if (size != want || memcmp(p, expected, size) != 0)
        {
            fprintf(stderr, "message %" PRIu64 ": got seq %" PRIu64 " length %u, expected length %u\n",
                next_seq, seq, size, want);
            return -1;
        }
        next_seq++;
        n++;
        r += align8(size) + 8;
    }
    store_release(q->base + READ_POS, r);
    return n;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 7 || strcmp(argv[1], "duplex") != 0)
    {
        fprintf(stderr, "usage: %s duplex FILE host|guest COUNT SEED MAX_EXTRA\n", argv[0]);
        return 3;
    }
    int host = strcmp(argv[3], "host") == 0;
    uint64_t count = strtoull(argv[4], NULL, 10);
    uint64_t seed = strtoull(argv[5], NULL, 10);
    uint32_t max_extra = (uint32_t)strtoul(argv[6], NULL, 10);
    if (max_extra > 60000)
    {
        fprintf(stderr, "MAX_EXTRA too large\n");
        return 3;
    }

    int fd = -1;
    double deadline = now_seconds() + 60;
    while ((fd = open(argv[2], O_RDWR)) < 0)
    {
        if (now_seconds() > deadline) { perror(argv[2]); return 3; }
        usleep(10000);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); return 3; }
    uint8_t *seg = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (seg == MAP_FAILED) { perror("mmap"); return 3; }
    uint64_t capacity = load_acquire(seg + CAPACITY);
    if (capacity == 0 || (uint64_t)st.st_size != 2 * (HEADER_LENGTH + capacity))
    {
        fprintf(stderr, "capacity %" PRIu64 " does not match file size %lld\n", capacity, (long long)st.st_size);
        return 3;
    }
    queue_t queues[2];
    for (int i = 0; i < 2; i++)
    {
        queues[i].base = seg + i * (HEADER_LENGTH + capacity);
        queues[i].data = queues[i].base + HEADER_LENGTH;
        queues[i].capacity = capacity;
    }
    queue_t *out = &queues[host ? 0 : 1];
    queue_t *in = &queues[host ? 1 : 0];
    uint64_t write_seed = host ? seed : seed ^ 1;
    expected_seed = write_seed ^ 1;
    expected_max_extra = max_extra;

    uint8_t msg[70000];
    uint64_t written = 0;
    while (written < count || next_seq < count)
    {
        long work = 0;
        while (written < count)
        {
            uint32_t len = encode(msg, write_seed, written, max_extra);
            if (!try_write(out, msg, len))
            {
                break;
            }
            written++;
            work++;
        }
        long n = read_all(in);
        if (n < 0)
        {
            return 1;
        }
        work += n;
        if (work == 0)
        {
            sched_yield();
            if (now_seconds() > deadline)
            {
                fprintf(stderr, "timed out: wrote %" PRIu64 ", read %" PRIu64 " of %" PRIu64 "\n",
                    written, next_seq, count);
                return 2;
            }
        }
    }
    printf("simpleipc_peer %s: %" PRIu64 " messages each way verified\n", argv[3], count);
    return 0;
}
