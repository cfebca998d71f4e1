#include "server/model/pattern.h"

#include <utility>

#include "common/bytes.h"

namespace trent::model {
namespace {

using Range = Pattern::Range;

// Programs larger than this (e.g. from x{1,100000}) are refused rather than built.
constexpr size_t kMaxProgram = 20000;

// Decodes the code point at `s[i]` and advances `i`; malformed bytes read as U+FFFD.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  if (b < 0x80) {
    ++i;
    return b;
  }
  size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += len;
  return cp;
}

void AddPerlClass(char kind, std::vector<Range>& out) {
  switch (kind) {
    case 'd':
      out.push_back({'0', '9'});
      break;
    case 'w':
      out.insert(out.end(), {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}});
      break;
    case 's':  // Java: [ \t\n\x0B\f\r]
      out.insert(out.end(), {{' ', ' '}, {'\t', '\r'}});
      break;
  }
}

struct Node {
  enum Kind { kClass, kConcat, kAlt, kRepeat, kBegin, kEnd };
  explicit Node(Kind k) : kind(k) {}

  Kind kind;
  std::vector<Range> ranges;  // kClass
  bool negated = false;       // kClass
  std::vector<Node> kids;     // kConcat, kAlt; kRepeat has one
  int min = 0, max = 0;       // kRepeat; max < 0: unbounded
};

Node ClassNode(std::vector<Range> ranges, bool negated = false) {
  Node n{Node::kClass};
  n.ranges = std::move(ranges);
  n.negated = negated;
  return n;
}

// Recursive descent over the (short, trusted) pattern text.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::optional<Node> Parse() {
    Node n = Alternation();
    if (!ok_ || i_ != s_.size()) return std::nullopt;
    return n;
  }

 private:
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  Node Fail() {
    ok_ = false;
    i_ = s_.size();
    return Node{Node::kConcat};
  }

  Node Alternation() {
    Node alt{Node::kAlt};
    alt.kids.push_back(Concatenation());
    while (ok_ && Peek() == '|' && !AtEnd()) {
      ++i_;
      alt.kids.push_back(Concatenation());
    }
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Node Concatenation() {
    Node seq{Node::kConcat};
    while (ok_ && !AtEnd() && Peek() != '|' && Peek() != ')') seq.kids.push_back(Repetition());
    return seq;
  }

  Node Repetition() {
    Node atom = Atom();
    while (ok_ && !AtEnd()) {
      int min, max;
      char c = Peek();
      if (c == '*') {
        min = 0, max = -1, ++i_;
      } else if (c == '+') {
        min = 1, max = -1, ++i_;
      } else if (c == '?') {
        min = 0, max = 1, ++i_;
      } else if (c == '{') {
        ++i_;
        if (!Number(min)) return Fail();
        max = min;
        if (Peek() == ',') {
          ++i_;
          max = -1;
          if (Peek() != '}' && (!Number(max) || max < min)) return Fail();
        }
        if (Peek() != '}') return Fail();
        ++i_;
      } else {
        break;
      }
      if (Peek() == '?') {
        ++i_;  // reluctant: same answer as greedy for a whole-input match
      } else if (Peek() == '+') {
        return Fail();  // possessive quantifiers change what matches; not supported
      }
      Node rep{Node::kRepeat};
      rep.min = min;
      rep.max = max;
      rep.kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  bool Number(int& out) {
    size_t start = i_;
    out = 0;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9' && out < 100000) out = out * 10 + (s_[i_++] - '0');
    return i_ > start && out < 100000;
  }

  Node Atom() {
    char c = Peek();
    switch (c) {
      case '(': {
        ++i_;
        if (Peek() == '?') {
          if (Peek(1) != ':') return Fail();  // only (?:...) among the (?...) forms
          i_ += 2;
        }
        Node inner = Alternation();
        if (Peek() != ')' || AtEnd()) return Fail();
        ++i_;
        return inner;
      }
      case '[':
        ++i_;
        return Class();
      case '.':  // Java: anything but a line terminator
        ++i_;
        return ClassNode({{'\n', '\n'}, {'\r', '\r'}, {0x85, 0x85}, {0x2028, 0x2029}}, true);
      case '^':
        ++i_;
        return Node{Node::kBegin};
      case '$':
        ++i_;
        return Node{Node::kEnd};
      case '\\': {
        ++i_;
        char kind = Peek();
        if (kind == 'w' || kind == 'd' || kind == 's' || kind == 'W' || kind == 'D' || kind == 'S') {
          ++i_;
          std::vector<Range> ranges;
          AddPerlClass(static_cast<char>(kind | 0x20), ranges);
          return ClassNode(std::move(ranges), kind < 'a');
        }
        char32_t cp;
        if (!Escaped(cp)) return Fail();
        return ClassNode({{cp, cp}});
      }
      case '*':
      case '+':
      case '?':
      case '{':
      case ')':
        return Fail();
      default: {
        char32_t cp = NextCodePoint(s_, i_);
        return ClassNode({{cp, cp}});
      }
    }
  }

  // After a backslash: a single-character escape.
  bool Escaped(char32_t& cp) {
    if (AtEnd()) return false;
    char c = s_[i_++];
    switch (c) {
      case 't': cp = '\t'; return true;
      case 'n': cp = '\n'; return true;
      case 'r': cp = '\r'; return true;
      case 'f': cp = '\f'; return true;
      case 'a': cp = '\a'; return true;
      case 'e': cp = 0x1B; return true;
      case 'u': return Hex(4, cp);
      case 'x': return Hex(2, cp);
      default:
        // Escaped punctuation is literal; escaped letters and digits are other constructs.
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return false;
        cp = static_cast<unsigned char>(c);
        return c > 0;
    }
  }

  bool Hex(int digits, char32_t& cp) {
    cp = 0;
    for (int k = 0; k < digits; ++k) {
      char c = Peek();
      const int v = HexDigitValue(c, HexCase::kAny);
      if (v < 0 || AtEnd()) return false;
      cp = cp * 16 + v;
      ++i_;
    }
    return true;
  }

  // After '[': items up to the closing ']'. Nested classes and && are not supported.
  Node Class() {
    bool negated = false;
    if (Peek() == '^') {
      negated = true;
      ++i_;
    }
    std::vector<Range> ranges;
    while (true) {
      if (AtEnd() || Peek() == '[') return Fail();
      if (Peek() == ']') {
        ++i_;
        break;
      }
      if (Peek() == '&' && Peek(1) == '&') return Fail();
      char32_t lo;
      if (!ClassChar(lo, ranges)) return Fail();
      if (lo == kPerlClass) continue;
      // Java: 'a-z' is a range unless the '-' is last ("[a-]" keeps a literal '-').
      if (Peek() == '-' && Peek(1) != ']' && i_ + 1 < s_.size()) {
        ++i_;
        char32_t hi;
        if (!ClassChar(hi, ranges) || hi == kPerlClass || hi < lo) return Fail();
        ranges.push_back({lo, hi});
      } else {
        ranges.push_back({lo, lo});
      }
    }
    if (ranges.empty()) return Fail();
    return ClassNode(std::move(ranges), negated);
  }

  static constexpr char32_t kPerlClass = 0xFFFFFFFF;

  // One class member: a character (into `cp`), or \w \d \s added to `ranges` directly.
  bool ClassChar(char32_t& cp, std::vector<Range>& ranges) {
    if (Peek() != '\\') {
      cp = NextCodePoint(s_, i_);
      return true;
    }
    ++i_;
    char kind = Peek();
    if (kind == 'w' || kind == 'd' || kind == 's') {
      ++i_;
      AddPerlClass(kind, ranges);
      cp = kPerlClass;
      return true;
    }
    return Escaped(cp);
  }

  std::string_view s_;
  size_t i_ = 0;
  bool ok_ = true;
};

}  // namespace

class PatternCompiler {
 public:
  explicit PatternCompiler(Pattern& p) : p_(p) {}

  bool Emit(const Node& n) {
    if (p_.program_.size() > kMaxProgram) return false;
    using I = Pattern::Instr;
    switch (n.kind) {
      case Node::kClass: {
        I in{I::kClass};
        in.negated = n.negated;
        in.first = static_cast<uint32_t>(p_.ranges_.size());
        in.count = static_cast<uint32_t>(n.ranges.size());
        p_.ranges_.insert(p_.ranges_.end(), n.ranges.begin(), n.ranges.end());
        p_.program_.push_back(in);
        return true;
      }
      case Node::kBegin:
        p_.program_.push_back({I::kBegin});
        return true;
      case Node::kEnd:
        p_.program_.push_back({I::kEnd});
        return true;
      case Node::kConcat:
        for (const Node& k : n.kids) {
          if (!Emit(k)) return false;
        }
        return true;
      case Node::kAlt: {
        std::vector<size_t> jumps;
        for (size_t k = 0; k < n.kids.size(); ++k) {
          size_t split = 0;
          if (k + 1 < n.kids.size()) {
            split = Push({I::kSplit});
            p_.program_[split].first = Here();
          }
          if (!Emit(n.kids[k])) return false;
          if (k + 1 < n.kids.size()) {
            jumps.push_back(Push({I::kJump}));
            p_.program_[split].count = Here();
          }
        }
        for (size_t j : jumps) p_.program_[j].first = Here();
        return true;
      }
      case Node::kRepeat: {
        const Node& body = n.kids[0];
        for (int k = 0; k < n.min; ++k) {
          if (!Emit(body)) return false;
        }
        if (n.max < 0) {  // loop: split body, out; body; jump back
          size_t split = Push({I::kSplit});
          p_.program_[split].first = Here();
          if (!Emit(body)) return false;
          size_t jump = Push({I::kJump});
          p_.program_[jump].first = static_cast<uint32_t>(split);
          p_.program_[split].count = Here();
          return true;
        }
        std::vector<size_t> splits;  // each optional copy may be skipped to the end
        for (int k = n.min; k < n.max; ++k) {
          size_t split = Push({I::kSplit});
          p_.program_[split].first = Here();
          splits.push_back(split);
          if (!Emit(body)) return false;
        }
        for (size_t s : splits) p_.program_[s].count = Here();
        return true;
      }
    }
    return false;
  }

  bool Finish() {
    p_.program_.push_back({Pattern::Instr::kMatch});
    return p_.program_.size() <= kMaxProgram;
  }

 private:
  uint32_t Here() const { return static_cast<uint32_t>(p_.program_.size()); }
  size_t Push(Pattern::Instr in) {
    p_.program_.push_back(in);
    return p_.program_.size() - 1;
  }

  Pattern& p_;
};

std::optional<Pattern> Pattern::Compile(std::string_view java_regex) {
  std::optional<Node> root = Parser(java_regex).Parse();
  if (!root) return std::nullopt;
  Pattern p;
  PatternCompiler c(p);
  if (!c.Emit(*root) || !c.Finish()) return std::nullopt;
  return p;
}

bool Pattern::Matches(std::string_view utf8) const {
  // Thompson simulation: the set of live instructions advances one code point at a time.
  const size_t n = program_.size();
  std::vector<uint32_t> current, next, stack;
  std::vector<size_t> seen(n, SIZE_MAX);  // step at which an instruction was last added
  current.reserve(n);
  next.reserve(n);

  auto add = [&](std::vector<uint32_t>& list, uint32_t start, size_t step, bool at_begin, bool at_end) {
    stack.push_back(start);
    while (!stack.empty()) {
      uint32_t pc = stack.back();
      stack.pop_back();
      if (seen[pc] == step) continue;
      seen[pc] = step;
      const Instr& in = program_[pc];
      switch (in.op) {
        case Instr::kJump:
          stack.push_back(in.first);
          break;
        case Instr::kSplit:
          stack.push_back(in.count);
          stack.push_back(in.first);
          break;
        case Instr::kBegin:
          if (at_begin) stack.push_back(pc + 1);
          break;
        case Instr::kEnd:
          if (at_end) stack.push_back(pc + 1);
          break;
        case Instr::kClass:
        case Instr::kMatch:
          list.push_back(pc);
          break;
      }
    }
  };

  size_t step = 0;
  add(current, 0, step, true, utf8.empty());
  size_t i = 0;
  while (i < utf8.size()) {
    char32_t cp = NextCodePoint(utf8, i);
    ++step;
    next.clear();
    for (uint32_t pc : current) {
      const Instr& in = program_[pc];
      if (in.op != Instr::kClass) continue;
      bool hit = false;
      for (uint32_t r = in.first; r < in.first + in.count && !hit; ++r) {
        hit = cp >= ranges_[r].lo && cp <= ranges_[r].hi;
      }
      if (hit != in.negated) add(next, pc + 1, step, false, i == utf8.size());
    }
    std::swap(current, next);
    if (current.empty()) return false;
  }
  for (uint32_t pc : current) {
    if (program_[pc].op == Instr::kMatch) return true;
  }
  return false;
}

}  // namespace trent::model
