/*
 * A SimpleIPC v1 guest written from docs/layout.md and the ipc FlatBuffers schema (spec section 6), to prove that
 * shmipc's host speaks to code that is not Java: the segment, the semaphore names, the queue rules and the
 * FlatBuffers bytes.
 *
 *   simpleipc_guest NAME SECONDS
 *
 * opens /dev/shm/NAME and the semaphores /NAME_REQ and /NAME_RESP (waiting for them like the Go guest), answers
 * every AddRequest{x,y} with AddResponse{x+y} and every MyRandRequest with MyRandResponse{0.12345}, carrying the
 * request's req_id, and posts /NAME_RESP after each batch. Like the original's readers (spec section 4) it spins
 * about 4000 empty polls, then blocks in sem_timedwait (100 ms) while the queue is empty. It exits 0 when the host removes the segment file, 2 after SECONDS, 1 on a malformed request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "simpleipc.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

enum { PAYLOAD_NONE = 0, ADD_REQUEST = 1, ADD_RESPONSE = 2, MYRAND_REQUEST = 3, MYRAND_RESPONSE = 4 };


static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* Offset of field `index` in the table at `table`, or 0 when absent (FlatBuffers vtable rules). */
static uint32_t field(const uint8_t *buf, uint32_t len, uint32_t table, int index)
{
    int32_t soffset;
    memcpy(&soffset, buf + table, 4);
    uint32_t vtable = table - soffset;
    if (vtable + 4 > len) return 0;
    uint16_t vsize = rd16(buf + vtable);
    uint32_t entry = 4 + 2 * index;
    if (entry + 2 > vsize || vtable + entry + 2 > len) return 0;
    return rd16(buf + vtable + entry);
}

/* Builds Message{req_id, payload_type, payload=<table with one double at field 0>}: 64 bytes, see below. */
static uint32_t build_response(uint8_t *out, uint64_t req_id, uint8_t type, double value)
{
    memset(out, 0, 64);
    uint32_t u32; uint16_t u16; int32_t s32;
    u32 = 16; memcpy(out + 0, &u32, 4);                 /* root: Message table at 16 */
    u16 = 10; memcpy(out + 4, &u16, 2);                 /* Message vtable at 4: 3 fields */
    u16 = 20; memcpy(out + 6, &u16, 2);                 /* table size */
    u16 = 8;  memcpy(out + 8, &u16, 2);                 /* req_id at table + 8 */
    u16 = 16; memcpy(out + 10, &u16, 2);                /* payload_type at table + 16 */
    u16 = 4;  memcpy(out + 12, &u16, 2);                /* payload at table + 4 */
    s32 = 16 - 4; memcpy(out + 16, &s32, 4);            /* table -> vtable */
    u32 = 48 - 20; memcpy(out + 20, &u32, 4);           /* payload uoffset -> table at 48 */
    memcpy(out + 24, &req_id, 8);
    out[32] = type;
    u16 = 6;  memcpy(out + 36, &u16, 2);                /* response vtable at 36: 1 field */
    u16 = 16; memcpy(out + 38, &u16, 2);
    u16 = 8;  memcpy(out + 40, &u16, 2);                /* result at table + 8 */
    s32 = 48 - 36; memcpy(out + 48, &s32, 4);
    memcpy(out + 56, &value, 8);
    return 64;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3)
    {
        fprintf(stderr, "usage: %s NAME SECONDS\n", argv[0]);
        return 3;
    }
    char shm_name[300], req_name[300], resp_name[300], file[320];
    snprintf(shm_name, sizeof shm_name, "/%s", argv[1]);
    snprintf(req_name, sizeof req_name, "/%s_REQ", argv[1]);
    snprintf(resp_name, sizeof resp_name, "/%s_RESP", argv[1]);
    snprintf(file, sizeof file, "/dev/shm/%s", argv[1]);
    double deadline = now_seconds() + atof(argv[2]);

    int fd;
    struct stat st;
    while ((fd = shm_open(shm_name, O_RDWR, 0)) < 0 || fstat(fd, &st) != 0 || st.st_size < HEADER_LENGTH)
    {
        if (fd >= 0) close(fd);
        if (now_seconds() > deadline) { fprintf(stderr, "no segment %s\n", shm_name); return 2; }
        usleep(100000);
    }
    sem_t *req, *resp;
    while ((req = sem_open(req_name, 0)) == SEM_FAILED || (resp = sem_open(resp_name, 0)) == SEM_FAILED)
    {
        if (now_seconds() > deadline) { fprintf(stderr, "no semaphores\n"); return 2; }
        usleep(100000);
    }
    uint8_t *seg = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (seg == MAP_FAILED) { perror("mmap"); return 3; }
    uint64_t capacity;
    while ((capacity = load_acquire(seg + CAPACITY)) == 0)
    {
        if (now_seconds() > deadline) return 2;
        usleep(10000);
    }
    if ((uint64_t)st.st_size != 2 * (HEADER_LENGTH + capacity)) { fprintf(stderr, "size mismatch\n"); return 3; }
    queue_t in = { seg, seg + HEADER_LENGTH, capacity };
    queue_t out = { seg + HEADER_LENGTH + capacity, seg + 2 * HEADER_LENGTH + capacity, capacity };
    printf("ready\n");
    fflush(stdout);

    uint64_t answered = 0;
    uint8_t response[64];
    int empty_polls = 0;
    for (;;)
    {
        uint64_t r = *(volatile uint64_t *)(in.base + READ_POS);
        uint64_t w = load_acquire(in.base + WRITE_POS);
        int wrote = 0;
        while (r < w)
        {
            uint64_t offset = r % capacity, space = capacity - offset;
            if (space < 8) { r += space; continue; }
            uint32_t size = rd32(in.data + offset), magic = rd32(in.data + offset + 4);
            if (magic == MAGIC_PADDING) { r += (uint64_t)size + 8; continue; }
            if (magic != MAGIC_DATA || size < 12 || (uint64_t)size + 8 > space) { fprintf(stderr, "bad block\n"); return 1; }
            const uint8_t *m = in.data + offset + 8;
            uint32_t table = rd32(m);
            if (table + 4 > size) { fprintf(stderr, "bad root\n"); return 1; }
            uint64_t req_id = 0;
            uint8_t type = 0;
            uint32_t f;
            if ((f = field(m, size, table, 0)) != 0) memcpy(&req_id, m + table + f, 8);
            if ((f = field(m, size, table, 1)) != 0) type = m[table + f];
            uint32_t len = 0;
            if (type == ADD_REQUEST)
            {
                double x = 0, y = 0;
                if ((f = field(m, size, table, 2)) == 0) { fprintf(stderr, "no payload\n"); return 1; }
                uint32_t p = table + f + rd32(m + table + f);
                if ((f = field(m, size, p, 0)) != 0) memcpy(&x, m + p + f, 8);
                if ((f = field(m, size, p, 1)) != 0) memcpy(&y, m + p + f, 8);
                len = build_response(response, req_id, ADD_RESPONSE, x + y);
            }
            else if (type == MYRAND_REQUEST)
            {
                len = build_response(response, req_id, MYRAND_RESPONSE, 0.12345);
            }
            else
            {
                fprintf(stderr, "unexpected payload type %u\n", type);
                return 1;
            }
            while (!try_write(&out, response, len))
            {
                if (wrote) { sem_post(resp); wrote = 0; }
                if (now_seconds() > deadline) return 2;
                usleep(50);
            }
            wrote = 1;
            answered++;
            r += align8(size) + 8;
        }
        store_release(in.base + READ_POS, r);
        if (wrote)
        {
            sem_post(resp);
            empty_polls = 0;
            continue;
        }
        if (++empty_polls < 4000)
        {
            cpu_relax();
            continue;
        }
        empty_polls = 0;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
        sem_timedwait(req, &ts);
        if (access(file, F_OK) != 0)
        {
            printf("answered %" PRIu64 "\n", answered);
            return 0;
        }
        if (now_seconds() > deadline)
        {
            fprintf(stderr, "timed out after answering %" PRIu64 "\n", answered);
            return 2;
        }
    }
}
