/*
 * The producer side of a SimpleIPC v1 queue, written from docs/layout.md, shared by the C test peers. Header-only:
 * each peer is one translation unit compiled by the tests with gcc.
 */
#ifndef SHMIPC_TEST_SIMPLEIPC_H
#define SHMIPC_TEST_SIMPLEIPC_H

#include <stdint.h>
#include <string.h>

#define HEADER_LENGTH 128
#define WRITE_POS 0
#define READ_POS 64
#define CAPACITY 72
#define MAGIC_DATA 0xDA7A0001u
#define MAGIC_PADDING 0xDA7A0002u

typedef struct
{
    uint8_t *base;      /* queue header */
    uint8_t *data;      /* data area */
    uint64_t capacity;
} queue_t;

static inline uint64_t load_acquire(uint8_t *p) { return __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE); }
static inline void store_release(uint8_t *p, uint64_t v) { __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE); }
static inline uint64_t align8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

/* Producer rules of docs/layout.md section 5: returns 1 if written and published, 0 if the queue is full now. */
static inline int try_write(queue_t *q, const uint8_t *msg, uint32_t size)
{
    uint64_t total = align8(size) + 8;
    for (;;)
    {
        uint64_t w = load_acquire(q->base + WRITE_POS);
        uint64_t r = load_acquire(q->base + READ_POS);
        if ((w - r) + total > q->capacity)
        {
            return 0;
        }
        uint64_t offset = w % q->capacity;
        uint64_t space_to_end = q->capacity - offset;
        if (space_to_end < total)
        {
            if (space_to_end >= 8)
            {
                uint32_t pad = (uint32_t)(space_to_end - 8);
                uint32_t magic = MAGIC_PADDING;
                memcpy(q->data + offset, &pad, 4);
                memcpy(q->data + offset + 4, &magic, 4);
            }
            store_release(q->base + WRITE_POS, w + space_to_end);
            continue;
        }
        uint32_t magic = MAGIC_DATA;
        memcpy(q->data + offset, &size, 4);
        memcpy(q->data + offset + 4, &magic, 4);
        memcpy(q->data + offset + 8, msg, size);
        store_release(q->base + WRITE_POS, w + total);
        return 1;
    }
}

#endif
