/* A C11 program on the C API: the header is C (compiled with
 * -std=c11 -Wall -Wextra -Werror), and with every function referenced the
 * static library links from C with the flags in ovsxdp_capi.libs. It runs
 * the calls that need no privileges and checks their errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ovsxdp_capi.h"

/* Every function, so that the link pulls in the whole library. */
typedef void (*any_function)(void);
static const any_function every_function[] = {
    (any_function)ovsxdp_last_error, (any_function)ovsxdp_dp_open, (any_function)ovsxdp_dp_close, (any_function)ovsxdp_dp_destroy,
    (any_function)ovsxdp_dp_enumerate, (any_function)ovsxdp_dp_get_stats, (any_function)ovsxdp_port_add, (any_function)ovsxdp_port_del,
    (any_function)ovsxdp_port_query_by_number, (any_function)ovsxdp_port_query_by_name, (any_function)ovsxdp_port_dump,
    (any_function)ovsxdp_port_generation, (any_function)ovsxdp_flow_put, (any_function)ovsxdp_flow_del, (any_function)ovsxdp_flow_flush,
    (any_function)ovsxdp_flow_get, (any_function)ovsxdp_flow_dump_start, (any_function)ovsxdp_flow_dump_finish,
    (any_function)ovsxdp_flow_dump_thread_create, (any_function)ovsxdp_flow_dump_thread_destroy, (any_function)ovsxdp_flow_dump_next,
    (any_function)ovsxdp_execute, (any_function)ovsxdp_upcall_set_channels, (any_function)ovsxdp_upcall_pid, (any_function)ovsxdp_upcall_fd,
    (any_function)ovsxdp_upcall_recv, (any_function)ovsxdp_upcall_purge, (any_function)ovsxdp_meter_get_features,
    (any_function)ovsxdp_meter_set, (any_function)ovsxdp_meter_get, (any_function)ovsxdp_meter_del, (any_function)ovsxdp_free,
};

static int expect(int got, int want, const char *what) {
  if (got == want) return 0;
  fprintf(stderr, "%s: got %d (%s), want %d; last error: %s\n", what, got, strerror(got), want, ovsxdp_last_error());
  return 1;
}

int main(void) {
  struct ovsxdp_dp *dp = NULL;
  struct ovsxdp_dp_stats stats;
  struct ovsxdp_dp_flow flow;
  int failures = 0;
  size_t i;

  for (i = 0; i < sizeof every_function / sizeof every_function[0]; i++)
    if (!every_function[i]) failures++;
  failures += expect(ovsxdp_dp_open(NULL, true, NULL, &dp, NULL), EINVAL, "ovsxdp_dp_open(NULL name)");
  if (!strstr(ovsxdp_last_error(), "name")) {
    fprintf(stderr, "the message does not name the argument: %s\n", ovsxdp_last_error());
    failures++;
  }
  failures += expect(ovsxdp_dp_open("bad name", false, NULL, &dp, NULL), EINVAL, "ovsxdp_dp_open(\"bad name\")");
  failures += expect(ovsxdp_dp_get_stats(NULL, &stats), EINVAL, "ovsxdp_dp_get_stats(NULL)");
  failures += expect(ovsxdp_flow_dump_next(NULL, &flow, 1), 0, "ovsxdp_flow_dump_next(NULL)");
  ovsxdp_dp_close(NULL);
  ovsxdp_free(NULL);
  if (!failures) printf("C API from C: %zu functions linked, argument errors as documented\n", i);
  return failures ? 1 : 0;
}
