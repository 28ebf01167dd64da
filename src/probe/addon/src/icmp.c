/*
 * ICMP echo sockets for mmagent's connectivity probe (Linux only).
 *
 * One job: a non-blocking ICMP socket that is bound to an interface (SO_BINDTODEVICE) and to a
 * source address (bind), whose readability is watched by libuv (uv_poll) so nothing blocks Node's
 * event loop. Packets are built and parsed in JavaScript; this file only moves bytes.
 *
 *   open(family: 4 | 6, ifname: string, source: string, onPacket: (err, data, from) => void)
 *     -> { kind: 'ping' | 'raw' }      throws an Error with errno and syscall set
 *   send(handle, destination: string, data: Buffer) -> undefined   throws like open
 *   close(handle) -> undefined        idempotent; onPacket is never called afterwards
 *
 * Socket kind: first an unprivileged ICMP "ping" socket (SOCK_DGRAM, IPPROTO_ICMP[V6]), which the
 * kernel allows when the caller's group is in net.ipv4.ping_group_range (for both families); it
 * fills in the identifier and checksum and delivers only the replies to this socket. Otherwise a raw
 * socket, which needs CAP_NET_RAW; its IPv4 header is stripped here so JavaScript always receives an
 * ICMP message, and a kernel filter passes only echo replies.
 *
 * onPacket(null, data, from) gets one ICMP message; onPacket(err) a receive error (e.g. a ping
 * socket's EHOSTUNREACH). Errors carry `errno` (a number: JavaScript maps it to a name, musl and
 * glibc agree on the numbers but not on the texts) and `syscall`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* <linux/icmp.h> clashes with glibc's <netinet/ip_icmp.h>; the two values needed are stable ABI. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif
#define ICMP_ECHOREPLY_TYPE 0

#define MAX_PACKET 2048
/* Bounded work per wake-up: a flood of packets cannot starve the event loop. */
#define MAX_READS_PER_WAKEUP 64

typedef struct {
  uv_poll_t poll;
  int fd;
  int family;
  int raw;
  unsigned int ifindex;
  napi_env env;
  napi_ref callback;
  napi_ref resource; /* the async resource object, for the callback scope */
  napi_async_context async_context;
  int closed;     /* close() ran: no more callbacks, uv_close pending or done */
  int uv_closed;  /* libuv released the poll handle and the fd is closed */
  int js_gone;    /* the JavaScript handle was garbage collected */
} icmp_socket;

#define CHECK(call)                                                       \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error(env, NULL, "mmagent_icmp: N-API call failed: " #call); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static napi_value make_errno_error(napi_env env, int err, const char *syscall, const char *detail) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s%s%s: errno %d", syscall, detail ? " " : "", detail ? detail : "", err);
  napi_value message, error, errno_value, syscall_value;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  return error;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *detail) {
  napi_throw(env, make_errno_error(env, err, syscall, detail));
  return NULL;
}

/* Parses an IP literal of the socket's family; link-local IPv6 gets the interface as its scope. */
static int parse_address(int family, const char *text, unsigned int ifindex, struct sockaddr_storage *ss,
                         socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    *len = sizeof *sin;
    return inet_pton(AF_INET, text, &sin->sin_addr) == 1 ? 0 : -1;
  }
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  sin6->sin6_family = AF_INET6;
  *len = sizeof *sin6;
  if (inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1) return -1;
  if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) sin6->sin6_scope_id = ifindex;
  return 0;
}

static int get_string(napi_env env, napi_value value, char *buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, buf, size, &len) != napi_ok) return -1;
  return len + 1 < size ? 0 : -1; /* truncated means too long */
}

static void release_js(icmp_socket *s) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  napi_delete_reference(s->env, s->callback);
  napi_delete_reference(s->env, s->resource);
  napi_async_destroy(s->env, s->async_context);
  napi_close_handle_scope(s->env, scope);
}

/* Runs from libuv after close(): outside any callback into JavaScript, so the async context and the
 * references can go here even when close() was called from inside onPacket. */
static void on_uv_closed(uv_handle_t *handle) {
  icmp_socket *s = handle->data;
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  release_js(s);
  s->uv_closed = 1;
  if (s->js_gone) free(s);
}

static void close_socket(icmp_socket *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_uv_closed);
}

static void finalize(napi_env env, void *data, void *hint) {
  icmp_socket *s = data;
  s->js_gone = 1;
  if (!s->closed) close_socket(s); /* a handle dropped without close(): still no leak */
  else if (s->uv_closed) free(s);
}

/* Calls onPacket (inside the callback scope opened by on_readable); the JavaScript side never throws,
 * a stray exception is dropped, not fatal. */
static void deliver(icmp_socket *s, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value callback, recv, result;
  if (napi_get_reference_value(env, s->callback, &callback) != napi_ok || callback == NULL) return;
  napi_get_undefined(env, &recv);
  if (napi_call_function(env, recv, callback, argc, argv, &result) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
}

static void deliver_error(icmp_socket *s, int err) {
  napi_value argv[1] = {make_errno_error(s->env, err, "recvfrom", NULL)};
  deliver(s, 1, argv);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  icmp_socket *s = handle->data;
  if (s->closed) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_callback_scope callback_scope;
  napi_value resource;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  /* A libuv callback runs outside JavaScript: the callback scope enters the context (needed to create
   * values at all) and, on close, runs the microtasks and nextTicks that onPacket queued. */
  if (napi_get_reference_value(env, s->resource, &resource) != napi_ok ||
      napi_open_callback_scope(env, resource, s->async_context, &callback_scope) != napi_ok) {
    napi_close_handle_scope(env, scope);
    return;
  }
  if (status < 0) {
    deliver_error(s, -status);
  } else {
    unsigned char buf[MAX_PACKET];
    for (int i = 0; i < MAX_READS_PER_WAKEUP && !s->closed; i++) {
      struct sockaddr_storage from;
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom(s->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) deliver_error(s, errno);
        break;
      }
      size_t offset = 0;
      if (s->raw && s->family == AF_INET) {
        /* A raw IPv4 socket hands over the IP header too; skip it (IHL counts 32-bit words). */
        if (n < 1) continue;
        offset = (size_t)(buf[0] & 0x0f) * 4;
        if (offset < 20 || offset > (size_t)n) continue;
      }
      char text[INET6_ADDRSTRLEN] = "";
      if (from.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, text, sizeof text);
      else if (from.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, text, sizeof text);
      napi_value argv[3];
      void *copy;
      napi_get_null(env, &argv[0]);
      if (napi_create_buffer_copy(env, (size_t)n - offset, buf + offset, &copy, &argv[1]) != napi_ok) break;
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &argv[2]);
      deliver(s, 3, argv);
    }
  }
  napi_close_callback_scope(env, callback_scope);
  napi_close_handle_scope(env, scope);
}

static int open_fd(int family, int *raw) {
  int protocol = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  *raw = 0;
  if (fd >= 0) return fd;
  /* EACCES: our group is outside net.ipv4.ping_group_range; then only a raw socket can do it. */
  if (errno != EACCES && errno != EPERM && errno != EPROTONOSUPPORT && errno != ESOCKTNOSUPPORT) return -1;
  *raw = 1;
  return socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
}

static int install_filter(int fd, int family) {
  if (family == AF_INET) {
    uint32_t blocked = ~(1u << ICMP_ECHOREPLY_TYPE);
    return setsockopt(fd, SOL_RAW, ICMP_FILTER, &blocked, sizeof blocked);
  }
  struct icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
  return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "open(family, ifname, source, onPacket)");
    return NULL;
  }
  int32_t version = 0;
  char ifname[IF_NAMESIZE + 1];
  char source[INET6_ADDRSTRLEN + 1];
  napi_valuetype cb_type;
  CHECK(napi_typeof(env, argv[3], &cb_type));
  if (napi_get_value_int32(env, argv[0], &version) != napi_ok || (version != 4 && version != 6) ||
      get_string(env, argv[1], ifname, sizeof ifname) != 0 || ifname[0] == '\0' ||
      get_string(env, argv[2], source, sizeof source) != 0 || cb_type != napi_function) {
    napi_throw_type_error(env, NULL, "open(4 | 6, ifname (< 16 bytes), source IP literal, onPacket)");
    return NULL;
  }
  int family = version == 4 ? AF_INET : AF_INET6;
  unsigned int ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return throw_errno(env, errno, "if_nametoindex", ifname);
  struct sockaddr_storage src;
  socklen_t src_len;
  if (parse_address(family, source, ifindex, &src, &src_len) != 0) {
    napi_throw_type_error(env, NULL, "source is not an IP literal of the given family");
    return NULL;
  }

  int raw;
  int fd = open_fd(family, &raw);
  if (fd < 0) return throw_errno(env, errno, "socket", NULL);
  const char *failed = NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0)
    failed = "setsockopt SO_BINDTODEVICE";
  else if (bind(fd, (struct sockaddr *)&src, src_len) != 0)
    failed = "bind";
  else if (raw && install_filter(fd, family) != 0)
    failed = "setsockopt ICMP_FILTER";
  if (failed) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, failed, NULL);
  }

  icmp_socket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "calloc", NULL);
  }
  s->fd = fd;
  s->family = family;
  s->raw = raw;
  s->ifindex = ifindex;
  s->env = env;

  napi_value handle, kind, resource, resource_name;
  uv_loop_t *loop;
  int rc;
  if (napi_create_object(env, &handle) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_get_uv_event_loop(env, &loop) != napi_ok ||
      napi_create_string_utf8(env, "mmagent_icmp", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_reference(env, argv[3], 1, &s->callback) != napi_ok) {
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "mmagent_icmp: could not create the handle");
    return NULL;
  }
  /* A resource of its own: the async context holds it strongly, the handle must stay collectable. */
  if (napi_create_reference(env, resource, 1, &s->resource) != napi_ok) {
    napi_delete_reference(env, s->callback);
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "mmagent_icmp: could not create the handle");
    return NULL;
  }
  if (napi_async_init(env, resource, resource_name, &s->async_context) != napi_ok) {
    napi_delete_reference(env, s->resource);
    napi_delete_reference(env, s->callback);
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "mmagent_icmp: could not create the async context");
    return NULL;
  }
  if ((rc = uv_poll_init(loop, &s->poll, fd)) != 0) {
    napi_delete_reference(env, s->resource);
    napi_delete_reference(env, s->callback);
    napi_async_destroy(env, s->async_context);
    close(fd);
    free(s);
    return throw_errno(env, -rc, "uv_poll_init", NULL);
  }
  s->poll.data = s;
  if ((rc = uv_poll_start(&s->poll, UV_READABLE, on_readable)) != 0) {
    close_socket(s); /* frees once libuv has released the handle (js_gone set below) */
    s->js_gone = 1;
    return throw_errno(env, -rc, "uv_poll_start", NULL);
  }
  if (napi_wrap(env, handle, s, finalize, NULL, NULL) != napi_ok) {
    close_socket(s);
    s->js_gone = 1;
    napi_throw_error(env, NULL, "mmagent_icmp: could not wrap the handle");
    return NULL;
  }
  CHECK(napi_create_string_utf8(env, raw ? "raw" : "ping", NAPI_AUTO_LENGTH, &kind));
  CHECK(napi_set_named_property(env, handle, "kind", kind));
  return handle;
}

static icmp_socket *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_unwrap(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not an ICMP socket handle");
    return NULL;
  }
  return data;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "send(handle, destination, data)");
    return NULL;
  }
  icmp_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->closed) return throw_errno(env, EBADF, "sendto", "(socket closed)");
  char dest[INET6_ADDRSTRLEN + 1];
  struct sockaddr_storage to;
  socklen_t to_len;
  bool is_buffer = false;
  void *data;
  size_t length;
  if (get_string(env, argv[1], dest, sizeof dest) != 0 ||
      parse_address(s->family, dest, s->ifindex, &to, &to_len) != 0 ||
      napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[2], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(handle, IP literal of the socket's family, Buffer)");
    return NULL;
  }
  ssize_t n;
  do {
    n = sendto(s->fd, data, length, 0, (struct sockaddr *)&to, to_len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "sendto", dest);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "close(handle)");
    return NULL;
  }
  icmp_socket *s = unwrap(env, argv[0]);
  if (s != NULL) close_socket(s);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
