// ovsxdp-bench: benchmark programs that print figures (and write them as
// JSON). Nothing here asserts on time; a run fails only when a scenario does
// not do what it claims (wrong verdict, packets not counted).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/cli_args.hpp"

namespace ovsxdp::bench {

using cli::option_value;
using cli::parse_number;
using cli::usage_error;

struct common_options {
  std::uint32_t rounds = 5;  // interleaved; figures are medians over rounds
  std::optional<std::string> json_path;
  std::string only;  // run only scenarios whose name contains this
};

// Parses the options every benchmark takes (--rounds, --json, --only) out of
// `args`, leaving the rest.
common_options take_common_options(std::vector<std::string>& args);

// "Intel(R) Xeon(R) ..., 2 CPUs, Linux 6.18.0": the machine in words.
std::string machine_description();

double median(std::vector<double> values);
// The value below which p percent of `values` lie (nearest rank); 0 when empty.
double percentile(std::vector<double> values, double p);

// `v` with `precision` decimals, for the tables.
std::string fixed(double v, int precision);

// {"machine": "...", "<section>": {"name": value, ...}}
void write_json(const std::string& path, const std::string& section, const std::vector<std::pair<std::string, double>>& figures);

int datapath_bench(std::vector<std::string> args);
int copies_bench(std::vector<std::string> args);
int forward_bench(std::vector<std::string> args);
int latency_bench(std::vector<std::string> args);
int flows_bench(std::vector<std::string> args);
int upcall_bench(std::vector<std::string> args);

}  // namespace ovsxdp::bench
