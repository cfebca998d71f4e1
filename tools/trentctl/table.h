// A plain-text table for trentctl's readable output: columns as wide as their widest cell,
// separated by two spaces.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace trent::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // the header first
};

}  // namespace trent::ctl
