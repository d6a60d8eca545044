// SPDX-License-Identifier: GPL-2.0
/*
 * dot: the epoll topology recorded in an image, as Graphviz DOT.
 * Nodes are the image's objects (labelled with type and fds), edges are
 * epoll items (labelled fd, events, data; bold when on the ready list,
 * with the ready position).
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include <linux/checkpoint.h>

#define DOT_MAX_EDGES 400

static const char *type_name(uint32_t t)
{
	switch (t) {
	case CKPT_FILE_REGULAR: return "file";
	case CKPT_FILE_PIPE: return "pipe";
	case CKPT_FILE_EVENTFD: return "eventfd";
	case CKPT_FILE_EPOLL: return "epoll";
	case CKPT_FILE_TIMERFD: return "timerfd";
	case CKPT_FILE_SIGNALFD: return "signalfd";
	case CKPT_FILE_UNIX: return "unix";
	}
	return "?";
}

/* Ready position (1-based) of key (fd, objref) in epoll ep, 0 if none. */
static int ready_pos(const unsigned char *img, size_t len, uint32_t ep, int32_t fd,
		     uint32_t objref)
{
	size_t off = 0;
	int pos = 0;

	while (off + sizeof(struct ckpt_hdr) <= len) {
		const struct ckpt_hdr *h = (const void *)(img + off);

		if (h->len < sizeof(*h) || off + h->len > len)
			break;
		if (h->type == CKPT_REC_EPOLL_READY) {
			const struct ckpt_rec_epoll_ready *r = (const void *)h;
			const struct ckpt_epoll_ready *e = r->ready;

			for (uint32_t i = 0; r->epoll_objref == ep && i < r->count; i++) {
				pos++;
				if (e[i].fd == fd && e[i].target_objref == objref)
					return pos;
			}
		}
		off += h->len;
	}
	return 0;
}

bool scn_dot(const unsigned char *img, size_t len, FILE *out, const char *title)
{
	size_t off = 0;
	int edges = 0, dropped = 0;

	fprintf(out, "digraph epoll {\n  label=\"%s\";\n  node [shape=box];\n", title);
	while (off + sizeof(struct ckpt_hdr) <= len) {
		const struct ckpt_hdr *h = (const void *)(img + off);

		if (h->len < sizeof(*h) || off + h->len > len)
			break;
		if (h->type == CKPT_REC_FILE) {
			const struct ckpt_rec_file *f = (const void *)h;

			fprintf(out, "  o%u [label=\"#%u %s\"%s];\n", f->objref, f->objref,
				type_name(f->file_type),
				f->file_type == CKPT_FILE_EPOLL ? " shape=ellipse" : "");
		} else if (h->type == CKPT_REC_FD) {
			const struct ckpt_rec_fd *r = (const void *)h;
			const struct ckpt_fd_entry *e = r->entries;

			for (uint32_t i = 0; i < r->count; i++)
				if (e[i].objref)
					fprintf(out, "  fd%d [label=\"fd %d\" shape=plaintext];\n"
						"  fd%d -> o%u [style=dotted];\n",
						e[i].fd, e[i].fd, e[i].fd, e[i].objref);
		} else if (h->type == CKPT_REC_EPOLL_ITEMS) {
			const struct ckpt_rec_epoll_items *r = (const void *)h;
			const struct ckpt_epoll_item *it = r->items;

			for (uint32_t i = 0; i < r->count; i++) {
				int pos;

				if (edges >= DOT_MAX_EDGES) {
					dropped++;
					continue;
				}
				pos = ready_pos(img, len, r->epoll_objref, it[i].fd,
						it[i].target_objref);
				fprintf(out, "  o%u -> o%u [label=\"fd %d ev %x data %llx%s",
					r->epoll_objref, it[i].target_objref, it[i].fd,
					it[i].events, (unsigned long long)it[i].data,
					pos ? " ready" : "");
				if (pos)
					fprintf(out, " #%d\" style=bold];\n", pos);
				else
					fprintf(out, "\"];\n");
				edges++;
			}
		}
		off += h->len;
	}
	if (dropped)
		fprintf(out, "  more [label=\"%d more items not drawn\" shape=plaintext];\n",
			dropped);
	fprintf(out, "}\n");
	return true;
}
