// `ovsxdp-dpctl parse-pcap FILE [--in-port N] [-m]`: the datapath's flow key
// for every packet of a capture, extracted by the BPF code in the kernel.
#include <cstdio>
#include <iostream>

#include "dpctl/command.hpp"
#include "extract/bpf_key_extractor.hpp"
#include "odp/key_format.hpp"
#include "pcap/pcap.hpp"
#include "runtime/error.hpp"
#include "runtime/test_run.hpp"

namespace ovsxdp::dpctl {

int parse_pcap(const std::vector<std::string>& args) {
  std::string file;
  std::uint32_t in_port = 0;
  odp::key_format_options format{.verbose = false, .omit_zero_metadata = true};
  for (std::size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--in-port") {
      if (i + 1 == args.size()) throw usage_error("--in-port needs a port number");
      in_port = static_cast<std::uint32_t>(parse_number("--in-port", args[++i], 0xffffffffu));
    } else if (a == "-m" || a == "--more") {
      format.verbose = true;
      format.omit_zero_metadata = false;
    } else if (!a.empty() && a[0] == '-') {
      throw usage_error("unknown option '" + excerpt(a) + "'");
    } else if (file.empty()) {
      file = a;
    } else {
      throw usage_error("one pcap file expected, got '" + excerpt(file) + "' and '" + excerpt(a) + "'");
    }
  }
  if (file.empty()) throw usage_error("missing pcap FILE");

  const auto records = pcap::read_file(file);  // read first: a bad file fails before any BPF work
  bpf_key_extractor extractor;
  for (const auto& record : records) {
    auto result = extractor.extract(record.data, in_port);
    if (result.status != flow::extract_status::ok) {
      std::cout << "(no key: " << record.data.size() << "-byte " << describe(result.status)
                << (record.data.size() < kMinXdpFrame ? "; XDP never receives such a frame)\n" : "; the datapath drops it)\n");
      continue;
    }
    std::cout << odp::format_key(result.key, nullptr, format) << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::dpctl
