#include "workload/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sequex::workload {
namespace {

// Ids are 16-bit and 0xFFFF means "all instruments", so a file can define at most this many of each.
constexpr size_t kMaxDefinitions = 0xFFFE;
constexpr size_t kMaxTokens = 10;  // N has the most: letter + 9 fields

struct Tokens {
  std::array<std::string_view, kMaxTokens> items;
  size_t count = 0;
  bool overflow = false;
};

Tokens Split(std::string_view line) {
  Tokens t;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (t.count == kMaxTokens) {
      t.overflow = true;
      break;
    }
    t.items[t.count++] = line.substr(i, j - i);
    i = j;
  }
  return t;
}

template <typename Int>
bool ParseInt(std::string_view s, Int* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

// Parses one workload line at a time, keeping the name tables the later lines resolve against.
class Parser {
 public:
  // Returns an error message for a malformed line, or an empty string.
  std::string ParseLine(std::string_view line) {
    const Tokens t = Split(line);
    if (t.count == 0) return {};
    if (t.overflow) return "too many fields";
    const std::string_view kind = t.items[0];
    if (kind.size() != 1) return "unknown record type '" + std::string(kind) + "'";
    switch (kind[0]) {
      case 'A':
        return Asset(t);
      case 'I':
        return Instrument(t);
      case 'D':
        return DepositLine(t);
      case 'N':
        return NewOrder(t);
      case 'C':
        return CancelLine(t);
      case 'M':
        return AmendLine(t);
      case 'X':
        return CancelAllLine(t);
      case 'W':
        return WarmupEnd(t);
      default:
        return "unknown record type '" + std::string(kind) + "'";
    }
  }

  Workload& workload() { return w_; }
  void set_line(size_t line) { line_ = line; }

  // "ref is unique per account over the whole file" (README): an N line that reuses one would make the C and M
  // lines naming it ambiguous, so the file is refused at the second one.
  std::optional<ParseError> CheckRefs() {
    std::sort(refs_.begin(), refs_.end(), [](const RefUse& a, const RefUse& b) {
      return std::tie(a.account, a.ref, a.line) < std::tie(b.account, b.ref, b.line);
    });
    std::optional<ParseError> first;  // the reuse that comes first in the file
    for (size_t i = 1; i < refs_.size(); ++i) {
      const RefUse& a = refs_[i - 1];
      const RefUse& b = refs_[i];
      if (a.account != b.account || a.ref != b.ref || (first && first->line <= b.line)) continue;
      first = ParseError{b.line, fmt::format("ref {} of account {} is used again (first on line {}): refs are unique "
                                             "per account over the whole file",
                                             b.ref, b.account, a.line)};
    }
    refs_.clear();
    return first;
  }

 private:
  static std::string Arity(const Tokens& t, size_t want, const char* usage) {
    if (t.count == want) return {};
    return "expected " + std::to_string(want - 1) + " fields: " + usage;
  }
  static std::string Bad(const char* field, std::string_view value) {
    return std::string("bad ") + field + " '" + std::string(value) + "'";
  }

  static std::string AccountField(std::string_view s, Record* r) {
    if (!ParseInt(s, &r->account)) return Bad("account", s);
    if (r->account == 0) return "bad account '0': accounts are integers from 1";
    return {};
  }
  static std::string RefField(std::string_view s, Record* r) {
    return ParseInt(s, &r->ref) ? std::string() : Bad("ref", s) + " (refs are integers from 0 to 2^64-1)";
  }
  // An M line's new price or quantity: '-' (unchanged) is 0, a 0 is kAmendToZero.
  static bool AmendValue(std::string_view s, int64_t* out) {
    if (!OptionalInt(s, out)) return false;
    if (*out == 0 && s != "-") *out = kAmendToZero;
    return true;
  }
  // '-' means "none / unchanged" and is stored as 0.
  static bool OptionalInt(std::string_view s, int64_t* out) {
    if (s == "-") {
      *out = 0;
      return true;
    }
    return ParseInt(s, out);
  }
  std::string SymbolField(std::string_view s, uint16_t* index, bool allow_all) {
    if (allow_all && s == "*") {
      *index = kAllBooks;
      return {};
    }
    auto it = symbols_.find(std::string(s));
    if (it == symbols_.end()) return "unknown symbol '" + std::string(s) + "'";
    *index = it->second;
    return {};
  }
  std::string AssetField(std::string_view s, uint16_t* index) {
    auto it = assets_.find(std::string(s));
    if (it == assets_.end()) return "unknown asset '" + std::string(s) + "'";
    *index = it->second;
    return {};
  }

  std::string Asset(const Tokens& t) {
    if (auto e = Arity(t, 3, "A <asset> <decimals>"); !e.empty()) return e;
    const std::string_view code = t.items[1];
    if (code.size() > 15) return "asset code longer than 15 characters";
    if (assets_.count(std::string(code)) != 0) return "asset '" + std::string(code) + "' defined twice";
    if (w_.assets.size() >= kMaxDefinitions) return "too many assets";
    uint8_t decimals = 0;
    if (!ParseInt(t.items[2], &decimals)) return Bad("decimals", t.items[2]);
    assets_[std::string(code)] = w_.AddAsset(std::string(code), decimals);
    return {};
  }

  std::string Instrument(const Tokens& t) {
    if (auto e = Arity(t, 7, "I <symbol> <base> <quote> <tick> <lot> <min_lots>"); !e.empty()) return e;
    InstrumentDef def;
    def.symbol = std::string(t.items[1]);
    if (def.symbol.size() > 23) return "symbol longer than 23 characters";
    if (symbols_.count(def.symbol) != 0) return "symbol '" + def.symbol + "' defined twice";
    if (w_.instruments.size() >= kMaxDefinitions) return "too many instruments";
    if (auto e = AssetField(t.items[2], &def.base); !e.empty()) return e;
    if (auto e = AssetField(t.items[3], &def.quote); !e.empty()) return e;
    if (!ParseInt(t.items[4], &def.tick)) return Bad("tick", t.items[4]);
    if (!ParseInt(t.items[5], &def.lot)) return Bad("lot", t.items[5]);
    if (!ParseInt(t.items[6], &def.min_lots)) return Bad("min_lots", t.items[6]);
    std::string symbol = def.symbol;
    symbols_[symbol] = w_.AddInstrument(std::move(def));
    return {};
  }

  std::string DepositLine(const Tokens& t) {
    if (auto e = Arity(t, 4, "D <account> <asset> <amount>"); !e.empty()) return e;
    Record r;
    r.kind = RecordKind::kDeposit;
    if (auto e = AccountField(t.items[1], &r); !e.empty()) return e;
    if (auto e = AssetField(t.items[2], &r.index); !e.empty()) return e;
    if (!ParseInt(t.items[3], &r.qty)) return Bad("amount", t.items[3]);
    w_.records.push_back(r);
    return {};
  }

  std::string NewOrder(const Tokens& t) {
    if (auto e = Arity(t, 10, "N <account> <symbol> <B|S> <L|M> <GTC|IOC|FOK> <PO|-> <price|-> <qty> <ref>");
        !e.empty()) {
      return e;
    }
    Record r;
    r.kind = RecordKind::kNew;
    if (auto e = AccountField(t.items[1], &r); !e.empty()) return e;
    if (auto e = SymbolField(t.items[2], &r.index, false); !e.empty()) return e;
    const std::string_view side = t.items[3], type = t.items[4], tif = t.items[5], po = t.items[6];
    if (side == "B" || side == "S") {
      r.side = side == "B" ? Side::kBuy : Side::kSell;
    } else {
      return Bad("side", side);
    }
    if (type == "L" || type == "M") {
      r.market = type == "M";
    } else {
      return Bad("order type", type);
    }
    if (tif == "GTC") {
      r.tif = TimeInForce::kGoodTillCancel;
    } else if (tif == "IOC") {
      r.tif = TimeInForce::kImmediateOrCancel;
    } else if (tif == "FOK") {
      r.tif = TimeInForce::kFillOrKill;
    } else {
      return Bad("time in force", tif);
    }
    if (po == "PO" || po == "-") {
      r.post_only = po == "PO";
    } else {
      return Bad("post-only flag", po);
    }
    if (!OptionalInt(t.items[7], &r.price)) return Bad("price", t.items[7]);
    if (!ParseInt(t.items[8], &r.qty)) return Bad("quantity", t.items[8]);
    if (auto e = RefField(t.items[9], &r); !e.empty()) return e;
    w_.records.push_back(r);
    refs_.push_back(RefUse{r.account, r.ref, line_});
    return {};
  }

  std::string CancelLine(const Tokens& t) {
    if (auto e = Arity(t, 3, "C <account> <ref>"); !e.empty()) return e;
    Record r;
    r.kind = RecordKind::kCancel;
    if (auto e = AccountField(t.items[1], &r); !e.empty()) return e;
    if (auto e = RefField(t.items[2], &r); !e.empty()) return e;
    w_.records.push_back(r);
    return {};
  }

  std::string AmendLine(const Tokens& t) {
    if (auto e = Arity(t, 5, "M <account> <ref> <new_price|-> <new_qty|->"); !e.empty()) return e;
    Record r;
    r.kind = RecordKind::kAmend;
    if (auto e = AccountField(t.items[1], &r); !e.empty()) return e;
    if (auto e = RefField(t.items[2], &r); !e.empty()) return e;
    if (!AmendValue(t.items[3], &r.price)) return Bad("new price", t.items[3]);
    if (!AmendValue(t.items[4], &r.qty)) return Bad("new quantity", t.items[4]);
    w_.records.push_back(r);
    return {};
  }

  std::string CancelAllLine(const Tokens& t) {
    if (auto e = Arity(t, 3, "X <account> <symbol|*>"); !e.empty()) return e;
    Record r;
    r.kind = RecordKind::kCancelAll;
    if (auto e = AccountField(t.items[1], &r); !e.empty()) return e;
    if (auto e = SymbolField(t.items[2], &r.index, true); !e.empty()) return e;
    w_.records.push_back(r);
    return {};
  }

  std::string WarmupEnd(const Tokens& t) {
    if (auto e = Arity(t, 1, "W"); !e.empty()) return e;
    if (seen_warmup_end_) return "second W line";
    seen_warmup_end_ = true;
    w_.records.push_back(Record{});
    return {};
  }

  struct RefUse {
    uint64_t account = 0;
    uint64_t ref = 0;
    size_t line = 0;
  };

  Workload w_;
  std::unordered_map<std::string, uint16_t> assets_;
  std::unordered_map<std::string, uint16_t> symbols_;
  std::vector<RefUse> refs_;  // every N line's (account, ref)
  size_t line_ = 0;
  bool seen_warmup_end_ = false;
};

template <typename Int>
void AppendInt(Int v, std::string* out) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, ptr);
}

void AppendOptional(int64_t v, std::string* out) {
  if (v == 0) {
    out->push_back('-');
  } else {
    AppendInt(v, out);
  }
}

void CopyName(const std::string& name, char* dest, size_t size) {
  const size_t n = name.size() < size - 1 ? name.size() : size - 1;
  std::memcpy(dest, name.data(), n);
  dest[n] = '\0';
}

}  // namespace

uint16_t Workload::AddAsset(std::string code, uint8_t decimals) {
  const auto index = static_cast<uint16_t>(assets.size());
  assets.push_back(AssetDef{std::move(code), decimals});
  Record r;
  r.kind = RecordKind::kAsset;
  r.index = index;
  records.push_back(r);
  return index;
}

uint16_t Workload::AddInstrument(InstrumentDef def) {
  const auto index = static_cast<uint16_t>(instruments.size());
  instruments.push_back(std::move(def));
  Record r;
  r.kind = RecordKind::kInstrument;
  r.index = index;
  records.push_back(r);
  return index;
}

std::string ParseError::ToString() const {
  if (line == 0) return message;
  return "line " + std::to_string(line) + ": " + message;
}

std::variant<Workload, ParseError> ParseWorkload(std::string_view text) {
  Parser parser;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
      if (line != kHeader) {
        if (line.starts_with("# sequex-workload ")) return ParseError{1, "unsupported workload version"};
        return ParseError{1, "not a workload file: the first line must be '" + std::string(kHeader) + "'"};
      }
      continue;
    }
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    parser.set_line(line_no);
    std::string error = parser.ParseLine(line);
    if (!error.empty()) return ParseError{line_no, std::move(error)};
  }
  if (line_no == 0) return ParseError{1, "empty file: the first line must be '" + std::string(kHeader) + "'"};
  if (std::optional<ParseError> reused = parser.CheckRefs()) return std::move(*reused);
  return std::move(parser.workload());
}

std::variant<Workload, ParseError> ReadWorkloadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ParseError{0, "cannot open '" + path + "': " + std::strerror(errno)};
  std::string text;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return ParseError{0, "cannot read '" + path + "'"};
  return ParseWorkload(text);
}

void AppendRecordText(const Workload& workload, const Record& r, std::string* out) {
  switch (r.kind) {
    case RecordKind::kAsset: {
      const AssetDef& a = workload.assets[r.index];
      out->append("A ").append(a.code).push_back(' ');
      AppendInt(static_cast<unsigned>(a.decimals), out);
      return;
    }
    case RecordKind::kInstrument: {
      const InstrumentDef& i = workload.instruments[r.index];
      out->append("I ").append(i.symbol).push_back(' ');
      out->append(workload.assets[i.base].code).push_back(' ');
      out->append(workload.assets[i.quote].code).push_back(' ');
      AppendInt(i.tick, out);
      out->push_back(' ');
      AppendInt(i.lot, out);
      out->push_back(' ');
      AppendInt(i.min_lots, out);
      return;
    }
    case RecordKind::kDeposit:
      out->append("D ");
      AppendInt(r.account, out);
      out->append(" ").append(workload.assets[r.index].code).push_back(' ');
      AppendInt(r.qty, out);
      return;
    case RecordKind::kNew:
      out->append("N ");
      AppendInt(r.account, out);
      out->append(" ").append(workload.instruments[r.index].symbol);
      out->append(r.side == Side::kBuy ? " B" : " S");
      out->append(r.market ? " M" : " L");
      out->append(r.tif == TimeInForce::kGoodTillCancel      ? " GTC "
                  : r.tif == TimeInForce::kImmediateOrCancel ? " IOC "
                                                             : " FOK ");
      out->append(r.post_only ? "PO " : "- ");
      AppendOptional(r.price, out);
      out->push_back(' ');
      AppendInt(r.qty, out);
      out->push_back(' ');
      AppendInt(r.ref, out);
      return;
    case RecordKind::kCancel:
      out->append("C ");
      AppendInt(r.account, out);
      out->push_back(' ');
      AppendInt(r.ref, out);
      return;
    case RecordKind::kAmend:
      out->append("M ");
      AppendInt(r.account, out);
      out->push_back(' ');
      AppendInt(r.ref, out);
      out->push_back(' ');
      AppendOptional(r.price, out);
      out->push_back(' ');
      AppendOptional(r.qty, out);
      return;
    case RecordKind::kCancelAll:
      out->append("X ");
      AppendInt(r.account, out);
      out->append(" ").append(r.index == kAllBooks ? std::string("*") : workload.instruments[r.index].symbol);
      return;
    case RecordKind::kWarmupEnd:
      out->append("W");
      return;
  }
}

std::string FormatWorkload(const Workload& workload) {
  std::string out(kHeader);
  out.push_back('\n');
  for (const Record& r : workload.records) {
    AppendRecordText(workload, r, &out);
    out.push_back('\n');
  }
  return out;
}

std::optional<std::string> WriteWorkloadFile(const Workload& workload, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return "cannot create '" + path + "': " + std::strerror(errno);
  std::string buf(kHeader);
  buf.push_back('\n');
  bool ok = true;
  for (const Record& r : workload.records) {
    AppendRecordText(workload, r, &buf);
    buf.push_back('\n');
    if (buf.size() >= (1 << 20)) {
      ok = ok && std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
      buf.clear();
    }
  }
  ok = ok && std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return "cannot write '" + path + "': " + std::strerror(errno);
  return std::nullopt;
}

ClientOid RefToClientOid(uint64_t ref) {
  ClientOid oid;
  auto [ptr, ec] = std::to_chars(oid.bytes, oid.bytes + ClientOid::kMaxLen, ref);
  oid.len = static_cast<uint8_t>(ptr - oid.bytes);
  return oid;
}

namespace {

int PowersOf(int64_t value, int64_t prime) {
  int n = 0;
  for (; value > 0 && value % prime == 0; value /= prime) ++n;
  return n;
}

// value * 10^digits, or nullopt if that reaches kMaxAmount.
std::optional<int64_t> ScaledUp(int64_t value, int digits) {
  for (int i = 0; i < digits; ++i) {
    if (value > (kMaxAmount - 1) / 10 || value < -((kMaxAmount - 1) / 10)) return std::nullopt;
    value *= 10;
  }
  return value;
}

// How many decimals each asset gains (see Translate): for every instrument, the fewest that make tick x lot x 10^k a
// multiple of 10^(base decimals), i.e. the tick value whole; an asset quoting several instruments takes the most any
// of them needs. An asset whose amounts would not fit, or whose decimals would pass 18, keeps its own, and the engine
// then rejects the instrument that needed more.
std::vector<int> ExtraDecimals(const Workload& w) {
  std::vector<int> extra(w.assets.size(), 0);
  for (const InstrumentDef& i : w.instruments) {
    if (i.tick <= 0 || i.lot <= 0 || i.base >= w.assets.size() || i.quote >= w.assets.size()) continue;
    const int twos = PowersOf(i.tick, 2) + PowersOf(i.lot, 2);
    const int fives = PowersOf(i.tick, 5) + PowersOf(i.lot, 5);
    const int needed = int{w.assets[i.base].decimals} - std::min(twos, fives);
    extra[i.quote] = std::max(extra[i.quote], needed);
  }
  for (size_t a = 0; a < extra.size(); ++a) {
    if (extra[a] > 0 && int{w.assets[a].decimals} + extra[a] > 18) extra[a] = 0;
  }
  const auto fits = [&](size_t asset, int64_t amount) { return extra[asset] == 0 || ScaledUp(amount, extra[asset]); };
  for (const InstrumentDef& i : w.instruments) {
    if (i.quote < extra.size() && !fits(i.quote, i.tick)) extra[i.quote] = 0;
    if (i.base < extra.size() && !fits(i.base, i.lot)) extra[i.base] = 0;
  }
  for (const Record& r : w.records) {
    if (r.kind == RecordKind::kDeposit && r.index < extra.size() && !fits(r.index, r.qty)) extra[r.index] = 0;
  }
  return extra;
}

// sequexd numbers accounts densely from 1; the engine's account table holds them in chunks of 4,096 ids, and the
// benchmark presizes it up to the highest id. A flow whose account numbers are sparse (say, ten thousand 64-bit user
// ids) keeps their order but is renumbered 1, 2, ... Returns an empty map when the numbers are dense already (then
// the highest is far below 2^32).
std::unordered_map<uint64_t, uint32_t> DenseAccounts(const Workload& w) {
  std::vector<uint64_t> ids;
  for (const Record& r : w.records) {
    if (r.kind == RecordKind::kDeposit || r.kind == RecordKind::kNew || r.kind == RecordKind::kCancel ||
        r.kind == RecordKind::kAmend || r.kind == RecordKind::kCancelAll) {
      ids.push_back(r.account);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty() || ids.back() <= 2 * uint64_t{ids.size()} + kDenseAccountSlack) return {};
  std::unordered_map<uint64_t, uint32_t> dense;
  dense.reserve(ids.size());
  uint32_t next = 1;
  for (uint64_t id : ids) dense[id] = id == 0 ? 0 : next++;
  return dense;
}

// The engine takes asset codes of [A-Z0-9] and symbols of [A-Z0-9_-]; names in a flow are labels, so one it would
// not take is upper-cased, its other characters dropped (codes) or made '_' (symbols), and made unique by its
// position where that collides or leaves nothing. Returns the names to use, in definition order.
std::vector<std::string> EngineNames(const std::vector<std::string>& names, bool symbols, int* renamed) {
  const auto allowed = [symbols](char c) { return IsNameChar(c, symbols); };
  std::set<std::string> taken;
  for (const std::string& n : names) {
    if (!n.empty() && std::all_of(n.begin(), n.end(), allowed)) taken.insert(n);
  }
  std::vector<std::string> out;
  out.reserve(names.size());
  *renamed = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    if (!n.empty() && std::all_of(n.begin(), n.end(), allowed)) {
      out.push_back(n);
      continue;
    }
    std::string name;
    for (char c : n) {
      const char up = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      if (allowed(up)) {
        name.push_back(up);
      } else if (symbols) {
        name.push_back('_');
      }
    }
    if (name.empty() || taken.contains(name)) name = fmt::format("{}{}", symbols ? "S" : "A", i + 1);
    while (taken.contains(name)) name.append(symbols ? "_" : "0");  // only if the file itself uses such names
    taken.insert(name);
    out.push_back(std::move(name));
    ++*renamed;
  }
  return out;
}

}  // namespace

CommandStream Translate(const Workload& workload) {
  CommandStream out;
  out.commands.reserve(workload.records.size());
  const std::vector<int> extra = ExtraDecimals(workload);
  for (size_t a = 0; a < extra.size(); ++a) {
    if (extra[a] == 0) continue;
    const AssetDef& asset = workload.assets[a];
    out.adjustments.push_back(fmt::format(
        "{} has {} decimals here instead of {}, and its amounts are scaled to match, so that one tick of one lot "
        "of each instrument it quotes is a whole number of its smallest units",
        asset.code, asset.decimals + extra[a], asset.decimals));
  }
  const std::unordered_map<uint64_t, uint32_t> dense = DenseAccounts(workload);
  if (!dense.empty()) {
    out.adjustments.push_back(
        fmt::format("the flow's {} account numbers are sparse: they are renumbered from 1, in "
                    "the same order",
                    dense.size()));
  }
  const auto account = [&](uint64_t id) {
    if (dense.empty()) return AccountId(static_cast<uint32_t>(id));
    return AccountId(dense.at(id));
  };
  std::vector<std::string> codes;
  for (const AssetDef& a : workload.assets) codes.push_back(a.code);
  std::vector<std::string> symbols;
  for (const InstrumentDef& i : workload.instruments) symbols.push_back(i.symbol);
  int renamed_codes = 0;
  int renamed_symbols = 0;
  codes = EngineNames(codes, false, &renamed_codes);
  symbols = EngineNames(symbols, true, &renamed_symbols);
  if (renamed_codes + renamed_symbols > 0) {
    out.adjustments.push_back(fmt::format(
        "{} asset codes and {} symbols are renamed for the engine (assets are [A-Z0-9], symbols [A-Z0-9_-])",
        renamed_codes, renamed_symbols));
  }
  size_t no_minimum = 0;
  for (const InstrumentDef& i : workload.instruments) no_minimum += i.min_lots == 0 ? 1 : 0;
  if (no_minimum > 0) {
    out.adjustments.push_back(
        fmt::format("{} instruments have min_lots 0 (no minimum): the engine's least, 1 lot, is used", no_minimum));
  }
  const auto scaled = [&](size_t asset, int64_t amount) {
    return Amount(asset < extra.size() ? ScaledUp(amount, extra[asset]).value_or(amount) : amount);
  };
  for (const Record& r : workload.records) {
    if (r.kind == RecordKind::kWarmupEnd) {
      out.warmup_commands = out.commands.size();
      continue;
    }
    // Built in place: a command is 136 bytes and there may be millions.
    Command& command = out.commands.emplace_back();
    command.seq = out.commands.size();
    command.time = static_cast<TimeNs>(command.seq) * 1000;
    switch (r.kind) {
      case RecordKind::kAsset: {
        auto& d = command.body.emplace<DefineAsset>();
        d.asset = AssetId(static_cast<uint16_t>(r.index + 1));
        d.decimals = static_cast<uint8_t>(workload.assets[r.index].decimals + extra[r.index]);
        CopyName(codes[r.index], d.code, sizeof d.code);
        break;
      }
      case RecordKind::kInstrument: {
        const InstrumentDef& def = workload.instruments[r.index];
        auto& d = command.body.emplace<DefineInstrument>();
        d.instrument = InstrumentId(static_cast<uint16_t>(r.index + 1));
        d.base = AssetId(static_cast<uint16_t>(def.base + 1));
        d.quote = AssetId(static_cast<uint16_t>(def.quote + 1));
        d.tick_size = scaled(def.quote, def.tick);
        d.lot_size = scaled(def.base, def.lot);
        d.min_qty = QtyLots(def.min_lots == 0 ? 1 : def.min_lots);
        CopyName(symbols[r.index], d.symbol, sizeof d.symbol);
        break;
      }
      case RecordKind::kDeposit: {
        auto& d = command.body.emplace<Deposit>();
        d.account = account(r.account);
        d.asset = AssetId(static_cast<uint16_t>(r.index + 1));
        d.amount = scaled(r.index, r.qty);
        break;
      }
      case RecordKind::kNew: {
        auto& p = command.body.emplace<PlaceOrder>();
        p.account = account(r.account);
        p.instrument = InstrumentId(static_cast<uint16_t>(r.index + 1));
        p.side = r.side;
        p.type = r.market ? OrderType::kMarket : OrderType::kLimit;
        p.tif = r.tif;
        p.flags = r.post_only ? kOrderFlagPostOnly : uint8_t{0};
        p.price = PriceTicks(r.price);
        p.qty = QtyLots(r.qty);
        p.client_oid = RefToClientOid(r.ref);
        break;
      }
      case RecordKind::kCancel: {
        auto& c = command.body.emplace<CancelOrder>();
        c.account = account(r.account);
        c.client_oid = RefToClientOid(r.ref);
        break;
      }
      case RecordKind::kAmend: {
        auto& a = command.body.emplace<AmendOrder>();
        a.account = account(r.account);
        a.orig_client_oid = RefToClientOid(r.ref);
        a.new_price = PriceTicks(r.price);
        a.new_qty = QtyLots(r.qty);
        break;
      }
      case RecordKind::kCancelAll: {
        auto& x = command.body.emplace<CancelAll>();
        x.account = account(r.account);
        x.instrument = r.index == kAllBooks ? kAllInstruments : InstrumentId(static_cast<uint16_t>(r.index + 1));
        break;
      }
      case RecordKind::kWarmupEnd:
        break;
    }
  }
  const bool has_warmup_end = std::any_of(workload.records.begin(), workload.records.end(),
                                          [](const Record& r) { return r.kind == RecordKind::kWarmupEnd; });
  if (!has_warmup_end) {
    // Without a W line nothing is warm-up, but the venue's set-up (definitions and funding) is no order flow.
    const auto first_order = std::find_if(out.commands.begin(), out.commands.end(), [](const Command& c) {
      return !std::holds_alternative<DefineAsset>(c.body) && !std::holds_alternative<DefineInstrument>(c.body) &&
             !std::holds_alternative<Deposit>(c.body);
    });
    out.warmup_commands = static_cast<size_t>(first_order - out.commands.begin());
    if (out.warmup_commands > 0 && first_order != out.commands.end()) {
      out.adjustments.push_back(
          fmt::format("the flow has no W line: its {} set-up commands before the first order command are not measured",
                      out.warmup_commands));
    } else {
      out.warmup_commands = 0;
    }
  }
  return out;
}

}  // namespace sequex::workload
