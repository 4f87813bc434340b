/* Open vSwitch's own odp-util as the reference for ovsxdp's netlink codec.
 *   odp_reference parse-flow 'KEY'      -> hex key, newline, hex mask
 *   odp_reference parse-actions 'ACTS'  -> hex actions
 *   odp_reference format-flow HEXKEY HEXMASK -> odp_flow_format text
 *   odp_reference format-actions HEX    -> format_odp_actions text
 *   odp_reference canonical-flow HEXKEY HEXMASK -> the match OVS reads from
 *       them (odp_flow_key_to_flow/_to_mask, match_format): the same for any
 *       attribute order, with the key's fitness
 * Linked with OVS's lib/libopenvswitch.a; ctest ovs_netlink_differential. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "odp-util.h"
#include "openvswitch/match.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

static void put_hex(const struct ofpbuf *b) {
    const uint8_t *p = b->data;
    for (size_t i = 0; i < b->size; i++) printf("%02x", p[i]);
    printf("\n");
}

static void get_hex(const char *s, struct ofpbuf *b) {
    size_t n = strlen(s) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        ofpbuf_put(b, &(uint8_t){v}, 1);
    }
}

int main(int argc, char *argv[]) {
    set_program_name(argv[0]);
    if (argc == 3 && !strcmp(argv[1], "parse-flow")) {
        struct ofpbuf key, mask;
        ofpbuf_init(&key, 0);
        ofpbuf_init(&mask, 0);
        char *error = NULL;
        if (odp_flow_from_string(argv[2], NULL, &key, &mask, &error)) {
            fprintf(stderr, "odp_flow_from_string: %s\n", error ? error : "failed");
            return 1;
        }
        put_hex(&key);
        put_hex(&mask);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "parse-actions")) {
        struct ofpbuf acts;
        ofpbuf_init(&acts, 0);
        if (odp_actions_from_string(argv[2], NULL, &acts)) {
            fprintf(stderr, "odp_actions_from_string failed\n");
            return 1;
        }
        put_hex(&acts);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "format-flow")) {
        struct ofpbuf key, mask;
        struct ds s = DS_EMPTY_INITIALIZER;
        ofpbuf_init(&key, 0);
        ofpbuf_init(&mask, 0);
        get_hex(argv[2], &key);
        get_hex(argv[3], &mask);
        odp_flow_format(key.data, key.size, mask.size ? mask.data : NULL, mask.size, NULL, &s, false);
        printf("%s\n", ds_cstr(&s));
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "canonical-flow")) {
        struct ofpbuf key, mask;
        struct ds s = DS_EMPTY_INITIALIZER;
        struct match match;
        char *error = NULL;
        ofpbuf_init(&key, 0);
        ofpbuf_init(&mask, 0);
        get_hex(argv[2], &key);
        get_hex(argv[3], &mask);
        memset(&match, 0, sizeof match);
        enum odp_key_fitness fit = odp_flow_key_to_flow(key.data, key.size, &match.flow, &error);
        if (fit == ODP_FIT_ERROR) {
            printf("key error: %s\n", error ? error : "?");
            return 0;
        }
        enum odp_key_fitness mfit = odp_flow_key_to_mask(mask.data, mask.size, &match.wc, &match.flow, &error);
        if (mfit == ODP_FIT_ERROR) {
            printf("mask error: %s\n", error ? error : "?");
            return 0;
        }
        /* Linux masks a key when it installs it; OVS keeps what it was given. */
        flow_zero_wildcards(&match.flow, &match.wc);
        match_format(&match, NULL, &s, OFP_DEFAULT_PRIORITY);
        printf("%s fit=%s/%s\n", ds_cstr(&s), odp_key_fitness_to_string(fit), odp_key_fitness_to_string(mfit));
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "format-actions")) {
        struct ofpbuf acts;
        struct ds s = DS_EMPTY_INITIALIZER;
        ofpbuf_init(&acts, 0);
        get_hex(argv[2], &acts);
        format_odp_actions(&s, acts.data, acts.size, NULL);
        printf("%s\n", ds_cstr(&s));
        return 0;
    }
    fprintf(stderr, "usage: odp_reference parse-flow|parse-actions TEXT | format-flow HEXKEY HEXMASK | format-actions HEX\n");
    return 2;
}
