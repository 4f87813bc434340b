// hash(l4(basis)) and hash(sym_l4(basis)): sets dp_hash in the key for the
// next lookup (Linux execute_hash); see flow/l4_hash.h.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/flow/l4_hash.h"

namespace ovsxdp::action {

OVSXDP_INLINE int hash(ovsxdp_exec_state& st, u32 alg, u32 basis) {
  st.key.dp_hash = flow::dp_hash(st.key, alg == OVSXDP_HASH_SYM_L4, basis);
  return kOk;
}

}  // namespace ovsxdp::action
