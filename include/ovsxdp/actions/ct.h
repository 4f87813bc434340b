// Conntrack actions. ct_clear resets the key's conntrack fields (Linux
// ovs_ct_clear); ct() itself comes with the conntrack milestone.
#pragma once

#include "ovsxdp/actions/common.h"

namespace ovsxdp::action {

OVSXDP_INLINE int ct_clear(ovsxdp_exec_state& st) {
  st.key.ct_state = 0;
  st.key.ct_zone = 0;
  st.key.ct_mark = 0;
  zero(st.key.ct_labels);
  st.key.ct_orig_proto = 0;
  st.key.ct_orig_tp_src = 0;
  st.key.ct_orig_tp_dst = 0;
  return kOk;
}

}  // namespace ovsxdp::action
