// Workload: a benchmark or test flow held in memory, its text format (shared/workloads/README.md, "The workload
// file"), and its translation into engine Commands.
//
//   auto parsed = ParseWorkload(text);                         // or ReadWorkloadFile(path)
//   if (auto* err = std::get_if<ParseError>(&parsed)) { fmt::print("{}\n", err->ToString()); return; }
//   CommandStream stream = Translate(std::get<Workload>(parsed));
//   for (const Command& c : stream.commands) engine.Apply(c);
//
// The text format, one command per line, tokens separated by single spaces (the reader also takes runs of
// spaces and tabs; '#' lines and blank lines are comments):
//   # sequex-workload 1                                    mandatory first line
//   A <asset> <decimals>
//   I <symbol> <base> <quote> <tick> <lot> <min_lots>
//   D <account> <asset> <amount>
//   N <account> <symbol> <B|S> <L|M> <GTC|IOC|FOK> <PO|-> <price_ticks|-> <qty_lots> <ref>
//   C <account> <ref>
//   M <account> <ref> <new_price_ticks|-> <new_qty_lots|->   new_qty is the new TOTAL quantity; '-' = unchanged
//   X <account> <symbol|*>
//   W                                                      end of warm-up (at most once)
// Names must be defined by an earlier A / I line; accounts are 1 .. 2^64-1; refs are integers 0 .. 2^64-1, unique
// per account over the whole file (a second N line with one is refused, naming both lines). Everything else about
// the values (ranges, funds, whether an order is open) is the engine's to judge, so a workload can carry hostile or
// stale commands on purpose. The README's M line has no '-': its two numbers are the new price and the new total
// quantity, so a 0 there is a value, refused by the engine as the API refuses it (an amend to price 0 or
// quantity 0). '-' is this reader's extension; `gen` writes both numbers.
//
// Errors are values: a malformed line yields a ParseError with its 1-based line number; nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/command.h"

namespace sequex::workload {

inline constexpr std::string_view kHeader = "# sequex-workload 1";
// Record::index for an X line with '*' (every instrument).
inline constexpr uint16_t kAllBooks = 0xFFFF;
// Record::price / qty of an M line whose file text is 0 ('-', unchanged, is stored as 0).
inline constexpr int64_t kAmendToZero = -1;

struct AssetDef {
  std::string code;  // at most 15 characters (DefineAsset::code)
  uint8_t decimals = 0;
  friend bool operator==(const AssetDef&, const AssetDef&) = default;
};

struct InstrumentDef {
  std::string symbol;  // at most 23 characters (DefineInstrument::symbol)
  uint16_t base = 0;   // index into Workload::assets
  uint16_t quote = 0;
  int64_t tick = 0;  // quote smallest units per whole base unit, per tick
  int64_t lot = 0;   // base smallest units per lot
  int64_t min_lots = 0;
  friend bool operator==(const InstrumentDef&, const InstrumentDef&) = default;
};

enum class RecordKind : uint8_t { kAsset, kInstrument, kDeposit, kNew, kCancel, kAmend, kCancelAll, kWarmupEnd };

// One line. Compact (40 bytes) because benchmark workloads hold millions. Which fields mean what:
//   kAsset:      index = asset index.
//   kInstrument: index = instrument index.
//   kDeposit:    account, index = asset index, qty = amount (asset smallest units).
//   kNew:        account, index = instrument index, side, market, tif, post_only, price (ticks; 0 = '-'),
//                qty (lots), ref.
//   kCancel:     account, ref.
//   kAmend:      account, ref, price = new price (0 = unchanged), qty = new total lots (0 = unchanged). A 0 in
//                the file is stored as -1 (kAmendToZero): a value no order can take, which the engine refuses.
//   kCancelAll:  account, index = instrument index or kAllBooks.
struct Record {
  RecordKind kind = RecordKind::kWarmupEnd;
  Side side = Side::kBuy;
  bool market = false;
  TimeInForce tif = TimeInForce::kGoodTillCancel;
  bool post_only = false;
  uint16_t index = 0;
  uint64_t account = 0;  // as the file numbers it; Translate makes the engine's ids dense
  int64_t price = 0;
  int64_t qty = 0;
  uint64_t ref = 0;
  friend bool operator==(const Record&, const Record&) = default;
};

struct Workload {
  std::vector<AssetDef> assets;            // asset id = position + 1
  std::vector<InstrumentDef> instruments;  // instrument id = position + 1
  std::vector<Record> records;             // every line, in file order (A and I lines included)

  // Appends an A / I line and its definition; returns its index.
  uint16_t AddAsset(std::string code, uint8_t decimals);
  uint16_t AddInstrument(InstrumentDef def);
  friend bool operator==(const Workload&, const Workload&) = default;
};

struct ParseError {
  size_t line = 0;  // 1-based; 0 when the file could not be read at all
  std::string message;
  [[nodiscard]] std::string ToString() const;
};

[[nodiscard]] std::variant<Workload, ParseError> ParseWorkload(std::string_view text);
[[nodiscard]] std::variant<Workload, ParseError> ReadWorkloadFile(const std::string& path);

// The canonical text of one record (no newline) / of the whole workload. ParseWorkload(FormatWorkload(w)) == w.
void AppendRecordText(const Workload& workload, const Record& record, std::string* out);
[[nodiscard]] std::string FormatWorkload(const Workload& workload);
// Streams the text to `path`. Returns an error message, or nullopt on success.
[[nodiscard]] std::optional<std::string> WriteWorkloadFile(const Workload& workload, const std::string& path);

// The engine's view of a workload. Each command gets seq = position + 1 and a synthetic time of seq * 1000 ns
// (one command per simulated microsecond, the clock the burst workload is defined on).
struct CommandStream {
  std::vector<Command> commands;
  // Commands before the W line. With no W line, the definitions and deposits before the first order command (the
  // venue's set-up), and an adjustment says so.
  size_t warmup_commands = 0;
  // What Translate changed so that the engine can run the flow as written, one sentence each (none for the
  // generated workloads).
  std::vector<std::string> adjustments;
};

// Account numbers count as dense while the highest is at most twice their number plus this.
inline constexpr uint64_t kDenseAccountSlack = 4096;

// Assets get ids 1, 2, ... in A-line order and instruments likewise in I-line order. N's client_oid is the
// decimal text of ref, and C / M name the order by that client_oid. Instruments get min_qty = min_lots, no
// price band, no reference price, no minimum notional.
//
// Two things are set up as an operator would set up the venue a flow describes, so that every order means what it
// says (each one is listed in `adjustments`):
// - The engine needs one tick of one lot (tick x lot / 10^base decimals) to be a whole number of the quote asset's
//   smallest units (docs/engine.md, "Units and arithmetic"). A flow may define BTC with 8 decimals, USD with 2, a
//   tick of one cent and a lot of 0.00001 BTC, where one tick of one lot is a tenth of a micro-dollar. Then USD gets
//   just enough more decimals (7 here) and every amount of it (deposits, the tick, lots where it is the base) is
//   multiplied to match: prices in ticks and sizes in lots are unchanged. Not done where the decimals would pass 18
//   or an amount would no longer fit; the engine then rejects the instrument.
// - Account numbers that are sparse (beyond kDenseAccountSlack) or past 32 bits are renumbered 1, 2, ... in
//   ascending order: the engine's account table, like sequexd's account ids, is dense.
// - Names the engine does not take (assets are [A-Z0-9], symbols [A-Z0-9_-]: `btc/usd`, `usdt`) are upper-cased,
//   other characters dropped (assets) or made '_' (symbols), made unique where that collides; names are labels in a
//   flow. And min_lots 0 (no minimum) is 1, the engine's least.
[[nodiscard]] CommandStream Translate(const Workload& workload);

// The client_oid the translation gives an order reference.
[[nodiscard]] ClientOid RefToClientOid(uint64_t ref);

}  // namespace sequex::workload
