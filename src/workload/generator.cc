#include "workload/generator.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "common/types.h"
#include "workload/book_model.h"
#include "workload/rng.h"

namespace sequex::workload {
namespace {

// Every account gets this much of every asset: ~10^6 maximal orders' worth, so funds never run short.
constexpr int64_t kDepositEach = 10'000'000'000'000;  // 10^13 smallest units
constexpr uint64_t kBurstPeriod = 100'000;            // commands between bursts: 100 ms at 1 us per command
constexpr uint32_t kBurstAggressive = 5'000;
constexpr uint32_t kBurstStorm = 2'000;

// Per-workload shape. Mix entries are basis points of order commands and sum to 10,000.
struct Params {
  uint32_t accounts;
  uint32_t instruments;
  uint32_t gtc, ioc, fok, market, cancel, amend_price, amend_qty, cancel_all;
  uint32_t post_only_ppm;        // share of GTC orders that are post-only
  int64_t max_offset;            // passive prices are 1..max_offset ticks from the fair price
  uint32_t walk_ppm;             // chance per command on a book that its fair price steps one tick
  uint32_t gtc_aggressive_ppm;   // share of GTC placed through the fair price, at the target depth
  uint32_t ioc_aggressive_ppm;   // same for IOC
  uint32_t fok_aggressive_ppm;   // same for FOK
  uint32_t move_aggressive_ppm;  // same for price amends
  uint32_t stale_cancel_ppm;     // cancels aimed at a recently ended order
  uint32_t stale_amend_ppm;      // amends likewise
  uint32_t post_only_stale_ppm;  // post-only orders priced from the fair price alone, not re-anchored on the book
  size_t target_depth;           // resting orders per book the feedbacks steer towards
  bool uniform_offsets;          // passive offsets uniform in 1..max_offset instead of denser near the fair price
  int64_t taker_max_lots;        // IOC / FOK / market sizes are 1..this (makers 1..100)
  uint32_t deep_ppm = 0;         // share of passive prices placed deep: 1,000..9,000,000 ticks behind (wide-book)
  int64_t start_fair = 0;        // every book's first fair price; 0 = seeded, MinFair()..50,000
  uint32_t up_ppm = 0;           // chance that a step of the fair price is up; 0 = a fair coin (trending: biased)
};

Params StandardParams();

Params ParamsFor(WorkloadKind kind) {
  if (kind == WorkloadKind::kTrending) {
    // standard's flow on one book whose fair price rises by 0.3 ticks a command on average (see generator.h).
    Params p = StandardParams();
    p.accounts = 1'000;
    p.instruments = 1;
    p.start_fair = 1'000'000;
    p.up_ppm = 750'000;
    return p;
  }
  if (kind == WorkloadKind::kWideBook) {
    // One book at 10,000,000 ticks whose makers put half their quotes deep in the book (see generator.h). Takers
    // only meet the near half; the deep half leaves by cancels, so cancels and amends often empty a deep level. The
    // depth settles where takers, more aggressive the deeper the book (Aggressive), take what cancels leave.
    return Params{.accounts = 1'000,
                  .instruments = 1,
                  .gtc = 4300,
                  .ioc = 1200,
                  .fok = 0,
                  .market = 0,
                  .cancel = 4000,
                  .amend_price = 500,
                  .amend_qty = 0,
                  .cancel_all = 0,
                  .post_only_ppm = 0,
                  .max_offset = 200,
                  .walk_ppm = 300'000,
                  .gtc_aggressive_ppm = 0,
                  .ioc_aggressive_ppm = 250'000,
                  .fok_aggressive_ppm = 0,
                  .move_aggressive_ppm = 10'000,
                  .stale_cancel_ppm = 10'000,
                  .stale_amend_ppm = 10'000,
                  .post_only_stale_ppm = 0,
                  .target_depth = 30'000,
                  .uniform_offsets = true,
                  .taker_max_lots = 10,
                  .deep_ppm = 500'000,
                  .start_fair = 10'000'000};
  }
  if (kind == WorkloadKind::kSingleBook) {
    // Takers are small (1..10 lots) and 10% of cancels are stale so that, with 82% moves of which a few cross,
    // the book keeps ~1,000 orders while ~6% of commands trade.
    return Params{.accounts = 1'000,
                  .instruments = 1,
                  .gtc = 900,
                  .ioc = 300,
                  .fok = 0,
                  .market = 0,
                  .cancel = 600,
                  .amend_price = 8200,
                  .amend_qty = 0,
                  .cancel_all = 0,
                  .post_only_ppm = 0,
                  .max_offset = 600,
                  .walk_ppm = 100'000,
                  .gtc_aggressive_ppm = 0,
                  .ioc_aggressive_ppm = 900'000,
                  .fok_aggressive_ppm = 0,
                  .move_aggressive_ppm = 30'000,
                  .stale_cancel_ppm = 100'000,
                  .stale_amend_ppm = 10'000,
                  .post_only_stale_ppm = 0,
                  .target_depth = 1'000,
                  .uniform_offsets = true,
                  .taker_max_lots = 10};
  }
  return StandardParams();
}

// Tuned with the shadow books so that, over the default 6,000,000 commands, ~11% of new orders trade on arrival
// and the popular books hold ~1,000 orders over 150..250 levels.
Params StandardParams() {
  return Params{.accounts = 10'000,
                .instruments = 100,
                .gtc = 4500,
                .ioc = 500,
                .fok = 100,
                .market = 400,
                .cancel = 3000,
                .amend_price = 650,
                .amend_qty = 650,
                .cancel_all = 200,
                .post_only_ppm = 100'000,
                .max_offset = 50,
                .walk_ppm = 600'000,
                .gtc_aggressive_ppm = 10'000,
                .ioc_aggressive_ppm = 250'000,
                .fok_aggressive_ppm = 600'000,
                .move_aggressive_ppm = 10'000,
                .stale_cancel_ppm = 10'000,
                .stale_amend_ppm = 10'000,
                .post_only_stale_ppm = 200'000,
                .target_depth = 1'000,
                .uniform_offsets = false,
                .taker_max_lots = 100};
}

class Generator {
 public:
  Generator(const GeneratorOptions& options, GeneratorStats* stats)
      : options_(options), p_(ParamsFor(options.kind)), rng_(options.seed), stats_(stats) {
    if (options.accounts != 0) p_.accounts = std::min<uint32_t>(options.accounts, (1u << 24) - 1);
    // Ids are 16-bit: instruments and (one more) assets must stay below 0xFFFF.
    if (options.instruments != 0) p_.instruments = std::min<uint32_t>(options.instruments, 0xFFFD);
    book_picker_ = WeightedPicker(RankPowerWeights(p_.instruments, 2, 3));
    account_picker_ = WeightedPicker(RankPowerWeights(p_.accounts, 4, 5));
    size_picker_ = WeightedPicker(LogUniformWeights(100));
    taker_size_picker_ = WeightedPicker(LogUniformWeights(p_.taker_max_lots));
    next_ref_.assign(p_.accounts + 1, 1);
  }

  Workload Run() {
    const uint64_t total = options_.warmup_commands + options_.commands;
    w_.records.reserve(2 * p_.instruments + 1 + uint64_t{p_.accounts} * (p_.instruments + 1) + total + 1);
    Setup();
    for (uint64_t i = 0; i < total; ++i) {
      if (i == options_.warmup_commands) w_.records.push_back(Record{});
      if (options_.kind == WorkloadKind::kBurst && i > 0 && i % kBurstPeriod == 0) StartBurst();
      if (burst_.active) {
        StepBurst();
      } else {
        StepFlow();
      }
    }
    if (options_.commands == 0) w_.records.push_back(Record{});
    stats_->order_commands = total;
    for (const Book& b : books_) {
      stats_->open_orders.push_back(static_cast<uint32_t>(b.model.LiveCount()));
      stats_->levels.push_back(static_cast<uint32_t>(b.model.LevelCount()));
    }
    return std::move(w_);
  }

 private:
  struct Book {
    BookModel model;
    int64_t fair = 0;
  };
  struct Burst {
    bool active = false;
    uint16_t book = 0;
    Side side = Side::kBuy;
    uint32_t aggressive_left = 0;
    uint32_t storm_left = 0;
    bool refill_next = false;
  };

  void Setup() {
    const uint16_t usd = w_.AddAsset("USD", 2);
    std::vector<uint16_t> bases;
    for (uint32_t i = 0; i < p_.instruments; ++i) {
      char code[16];
      std::snprintf(code, sizeof code, "SYM%03u", i);
      bases.push_back(w_.AddAsset(code, 8));
      // tick 100 cents per whole base unit, lot 10^6 units (0.01 base): tick value 100 * 10^6 / 10^8 = 1 cent.
      w_.AddInstrument(InstrumentDef{std::string(code) + "_USD", bases.back(), usd, 100, 1'000'000, 1});
      Book book;
      book.fair = p_.start_fair != 0 ? p_.start_fair : rng_.Between(MinFair(), 50'000);
      books_.push_back(std::move(book));
    }
    // Keep every asset's net deposits below the engine's 2^62 limit whatever the account count.
    const int64_t each = std::min<int64_t>(kDepositEach, (kMaxAmount / 2) / std::max<int64_t>(1, p_.accounts));
    for (uint32_t a = 1; a <= p_.accounts; ++a) {
      AddDeposit(a, usd, each);
      for (uint16_t base : bases) AddDeposit(a, base, each);
    }
  }

  void AddDeposit(uint32_t account, uint16_t asset, int64_t amount) {
    Record r;
    r.kind = RecordKind::kDeposit;
    r.account = account;
    r.index = asset;
    r.qty = amount;
    w_.records.push_back(r);
  }

  // --- choices -------------------------------------------------------------------------------------------------

  uint32_t PickAccount() { return static_cast<uint32_t>(account_picker_.Pick(rng_)) + 1; }
  int64_t PickSize() { return static_cast<int64_t>(size_picker_.Pick(rng_)) + 1; }
  int64_t PickTakerSize() { return static_cast<int64_t>(taker_size_picker_.Pick(rng_)) + 1; }
  Side PickSide() { return rng_.Below(2) == 0 ? Side::kBuy : Side::kSell; }

  // 1..max ticks, density ~ 1/sqrt(distance): u^2 with u uniform.
  int64_t PassiveOffset() {
    if (p_.deep_ppm != 0 && rng_.Chance(p_.deep_ppm)) {
      // Log-uniform by decade, without floating point: 1,000..9,999, 10^4.., 10^5.., 10^6..9,000,000 alike.
      int64_t lo = 1'000;
      for (uint64_t d = rng_.Below(4); d > 0; --d) lo *= 10;
      return rng_.Between(lo, std::min<int64_t>(lo * 10 - 1, 9'000'000));
    }
    if (p_.uniform_offsets) return rng_.Between(1, p_.max_offset);
    const uint64_t u = rng_.Below(1u << 16);
    return 1 + static_cast<int64_t>((u * u * static_cast<uint64_t>(p_.max_offset)) >> 32);
  }
  // A maker's price: 1..max_offset ticks behind the fair price, but never through the opposite best (a maker
  // whose view lags the book re-anchors on it rather than taking liquidity). Post-only orders skip the re-anchoring:
  // a stale post-only quote is exactly what the engine's post-only reject is for.
  int64_t PassivePrice(const Book& b, Side side, bool anchor = true) {
    const int64_t k = PassiveOffset();
    if (side == Side::kBuy) {
      int64_t top = b.fair - 1;
      if (const auto ask = b.model.BestAsk(); anchor && ask) top = std::min(top, *ask - 1);
      return std::max<int64_t>(1, top + 1 - k);
    }
    int64_t top = b.fair + 1;
    if (const auto bid = b.model.BestBid(); anchor && bid) top = std::max(top, *bid + 1);
    return top + k - 1;
  }
  // A taker's limit: 0..2 ticks through the opposite best, so it trades (if the quantity is there) and may take
  // a level or two more.
  int64_t AggressivePrice(const Book& b, Side side) {
    const int64_t through = rng_.Between(0, 2);
    if (side == Side::kBuy) return b.model.BestAsk().value_or(b.fair) + through;
    return std::max<int64_t>(1, b.model.BestBid().value_or(b.fair) - through);
  }
  int64_t LimitPrice(const Book& b, Side side, bool aggressive) {
    return aggressive ? AggressivePrice(b, side) : PassivePrice(b, side);
  }
  // The aggressive share scales with depth relative to the target (a deep book gets hit more), within 1/4..4x.
  bool Aggressive(const Book& b, uint32_t base_ppm) {
    const uint64_t depth = std::clamp<uint64_t>(b.model.LiveCount(), p_.target_depth / 4, p_.target_depth * 4);
    return rng_.Chance(static_cast<uint32_t>(base_ppm * depth / p_.target_depth));
  }
  void Walk(Book& b) {
    if (!rng_.Chance(p_.walk_ppm)) return;
    // A fair coin draws as it always has, so that the other workloads stay byte-identical.
    const bool up = p_.up_ppm == 0 ? rng_.Below(2) == 0 : rng_.Chance(p_.up_ppm);
    b.fair += up ? 1 : -1;
    b.fair = std::clamp<int64_t>(b.fair, MinFair(), kMaxPriceTicks / 2);
  }
  // Low enough for variety, high enough that no price the generator writes can reach zero.
  [[nodiscard]] int64_t MinFair() const { return std::max<int64_t>(1'000, 4 * p_.max_offset + 200); }

  // --- emitters: each writes one record and applies it to the shadow book ---------------------------------------

  void EmitNew(uint16_t bi, uint32_t account, Side side, bool market, TimeInForce tif, bool post_only, int64_t price,
               int64_t qty) {
    Record r;
    r.kind = RecordKind::kNew;
    r.account = account;
    r.index = bi;
    r.side = side;
    r.market = market;
    r.tif = tif;
    r.post_only = post_only;
    r.price = market ? 0 : price;
    r.qty = qty;
    r.ref = next_ref_[account]++;
    w_.records.push_back(r);
    const BookModel::Result res = books_[bi].model.Place(account, r.ref, side, market, tif, post_only, r.price, qty);
    ++stats_->new_orders;
    if (res.rejected) ++stats_->model_rejects;
    if (res.filled > 0) ++stats_->traded_on_arrival;
    Count(res);
  }

  void Count(const BookModel::Result& res) {
    if (res.filled > 0) ++stats_->commands_that_traded;
    stats_->fills += res.fills;
    stats_->max_levels_swept = std::max<uint64_t>(stats_->max_levels_swept, res.levels);
    if (res.levels >= 20) ++stats_->sweeps_of_20_levels;
  }

  void EmitCancel(uint16_t bi, uint32_t slot) {
    const BookModel::Order& o = books_[bi].model.order(slot);
    Record r;
    r.kind = RecordKind::kCancel;
    r.account = o.account;
    r.ref = o.ref;
    w_.records.push_back(r);
    books_[bi].model.Cancel(slot);
  }

  // A cancel or amend naming an order that is not open: one that recently ended, else a ref never used.
  void EmitStale(uint16_t bi, RecordKind kind) {
    Record r;
    r.kind = kind;
    uint32_t account = 0;
    if (books_[bi].model.RecentlyEnded(rng_.Next(), &account, &r.ref)) {
      r.account = account;
    } else {
      r.account = PickAccount();
      r.ref = next_ref_[r.account]++;
    }
    // Both numbers, as the README's M line has them (the order is not open: any size does).
    if (kind == RecordKind::kAmend) {
      r.price = books_[bi].fair;
      r.qty = 1;
    }
    w_.records.push_back(r);
    ++stats_->stale;
  }

  void EmitAmendPrice(uint16_t bi, uint32_t slot, bool aggressive) {
    Book& b = books_[bi];
    const BookModel::Order& o = b.model.order(slot);
    int64_t price = LimitPrice(b, o.side, aggressive);
    if (price == o.price) price += (o.side == Side::kBuy && price > 1) ? -1 : 1;  // an amend must change something
    Record r;
    r.kind = RecordKind::kAmend;
    r.account = o.account;
    r.ref = o.ref;
    r.price = price;
    r.qty = o.qty;  // unchanged: the README's M line gives both numbers
    w_.records.push_back(r);
    const BookModel::Result res = b.model.AmendPrice(slot, price);
    if (res.rejected) ++stats_->model_rejects;
    Count(res);
  }

  void EmitAmendQty(uint16_t bi, uint32_t slot) {
    const BookModel::Order& o = books_[bi].model.order(slot);
    Record r;
    r.kind = RecordKind::kAmend;
    r.account = o.account;
    r.ref = o.ref;
    r.price = o.price;                                      // unchanged
    r.qty = o.filled + rng_.Between(1, o.remaining() - 1);  // the new total: still above what filled
    w_.records.push_back(r);
    books_[bi].model.AmendQty(slot, r.qty);
  }

  void EmitCancelAll(uint16_t bi, uint32_t account) {
    Record r;
    r.kind = RecordKind::kCancelAll;
    r.account = account;
    r.index = bi;
    w_.records.push_back(r);
    books_[bi].model.CancelAccount(account);
  }

  // --- the steady flow ------------------------------------------------------------------------------------------

  enum class Action : uint8_t { kGtc, kIoc, kFok, kMarket, kCancel, kAmendPrice, kAmendQty, kCancelAll };

  Action PickAction() {
    const std::pair<uint32_t, Action> mix[] = {{p_.gtc, Action::kGtc},
                                               {p_.ioc, Action::kIoc},
                                               {p_.fok, Action::kFok},
                                               {p_.market, Action::kMarket},
                                               {p_.cancel, Action::kCancel},
                                               {p_.amend_price, Action::kAmendPrice},
                                               {p_.amend_qty, Action::kAmendQty},
                                               {p_.cancel_all, Action::kCancelAll}};
    auto x = static_cast<uint32_t>(rng_.Below(10'000));
    for (const auto& [share, action] : mix) {
      if (x < share) return action;
      x -= share;
    }
    return Action::kCancelAll;
  }

  void StepFlow() {
    const auto bi = static_cast<uint16_t>(book_picker_.Pick(rng_));
    Book& b = books_[bi];
    Walk(b);
    auto& by_kind = stats_->by_kind;
    const size_t live = b.model.LiveCount();
    switch (Action action = PickAction()) {
      case Action::kGtc: {
        const bool post_only = rng_.Chance(p_.post_only_ppm);
        const bool aggressive = !post_only && Aggressive(b, p_.gtc_aggressive_ppm);
        const Side side = PickSide();
        ++by_kind[post_only ? GeneratorStats::kPostOnly : GeneratorStats::kGtc];
        const int64_t price =
            post_only ? PassivePrice(b, side, !rng_.Chance(p_.post_only_stale_ppm)) : LimitPrice(b, side, aggressive);
        EmitNew(bi, PickAccount(), side, false, TimeInForce::kGoodTillCancel, post_only, price, PickSize());
        return;
      }
      case Action::kIoc:
      case Action::kFok: {
        const bool fok = action == Action::kFok;
        const Side side = PickSide();
        ++by_kind[fok ? GeneratorStats::kFok : GeneratorStats::kIoc];
        EmitNew(bi, PickAccount(), side, false, fok ? TimeInForce::kFillOrKill : TimeInForce::kImmediateOrCancel, false,
                LimitPrice(b, side, Aggressive(b, fok ? p_.fok_aggressive_ppm : p_.ioc_aggressive_ppm)),
                PickTakerSize());
        return;
      }
      case Action::kMarket:
        ++by_kind[GeneratorStats::kMarket];
        EmitNew(bi, PickAccount(), PickSide(), true, TimeInForce::kImmediateOrCancel, false, 0, PickTakerSize());
        return;
      case Action::kCancel:
        ++by_kind[GeneratorStats::kCancel];
        if (live == 0 || rng_.Chance(p_.stale_cancel_ppm)) {
          EmitStale(bi, RecordKind::kCancel);
        } else {
          EmitCancel(bi, b.model.LiveAt(rng_.Below(live)));
        }
        return;
      case Action::kAmendPrice:
      case Action::kAmendQty: {
        if (live == 0 || rng_.Chance(p_.stale_amend_ppm)) {
          ++by_kind[action == Action::kAmendQty ? GeneratorStats::kAmendQty : GeneratorStats::kAmendPrice];
          EmitStale(bi, RecordKind::kAmend);
          return;
        }
        uint32_t slot = b.model.LiveAt(rng_.Below(live));
        // A one-lot order cannot shrink: look at a few others before moving it instead.
        for (int tries = 0; action == Action::kAmendQty && tries < 4 && b.model.order(slot).remaining() < 2; ++tries) {
          slot = b.model.LiveAt(rng_.Below(live));
        }
        if (action == Action::kAmendQty && b.model.order(slot).remaining() >= 2) {
          ++by_kind[GeneratorStats::kAmendQty];
          EmitAmendQty(bi, slot);
        } else {
          ++by_kind[GeneratorStats::kAmendPrice];
          EmitAmendPrice(bi, slot, Aggressive(b, p_.move_aggressive_ppm));
        }
        return;
      }
      case Action::kCancelAll: {
        ++by_kind[GeneratorStats::kCancelAll];
        uint32_t account = PickAccount();
        if (live > p_.target_depth) {
          account = *b.model.BusiestAccount();  // a market maker pulling its quotes
        } else if (live > 0) {
          account = b.model.order(b.model.LiveAt(rng_.Below(live))).account;
        }
        EmitCancelAll(bi, account);
        return;
      }
    }
  }

  // --- bursts ---------------------------------------------------------------------------------------------------

  void StartBurst() {
    burst_ =
        Burst{true, static_cast<uint16_t>(book_picker_.Pick(rng_)), PickSide(), kBurstAggressive, kBurstStorm, false};
  }

  void StepBurst() {
    Book& b = books_[burst_.book];
    const Side makers = Opposite(burst_.side);
    if (burst_.refill_next) {
      burst_.refill_next = false;
      ++stats_->by_kind[GeneratorStats::kGtc];
      EmitNew(burst_.book, PickAccount(), makers, false, TimeInForce::kGoodTillCancel, false,
              LimitPrice(b, makers, false), PickSize());
      return;
    }
    if (burst_.aggressive_left > 0) {
      // The price gives way: one tick against the makers every 50 aggressive orders (100 ticks per burst).
      if (burst_.aggressive_left % 50 == 0) {
        b.fair += burst_.side == Side::kBuy ? 1 : -1;
        b.fair = std::max<int64_t>(b.fair, MinFair());
      }
      const auto levels = static_cast<size_t>(rng_.Between(20, 40));
      const int64_t qty = std::max<int64_t>(1, b.model.DepthLots(makers, levels));
      const bool market = burst_.aggressive_left % 2 == 0;
      const int64_t through = burst_.side == Side::kBuy
                                  ? b.model.BestAsk().value_or(b.fair) + 500
                                  : std::max<int64_t>(1, b.model.BestBid().value_or(b.fair) - 500);
      ++stats_->by_kind[market ? GeneratorStats::kMarket : GeneratorStats::kIoc];
      EmitNew(burst_.book, PickAccount(), burst_.side, market, TimeInForce::kImmediateOrCancel, false, through, qty);
      --burst_.aggressive_left;
      burst_.refill_next = true;
      return;
    }
    const size_t live = b.model.LiveCount();
    if (burst_.storm_left == 0 || live == 0) {
      burst_.active = false;
      StepFlow();
      return;
    }
    const uint32_t slot = b.model.LiveAt(rng_.Below(live));
    if (burst_.storm_left % 10 == 0) {
      ++stats_->by_kind[GeneratorStats::kCancelAll];
      EmitCancelAll(burst_.book, b.model.order(slot).account);
    } else {
      ++stats_->by_kind[GeneratorStats::kCancel];
      EmitCancel(burst_.book, slot);
    }
    --burst_.storm_left;
  }

  const GeneratorOptions options_;
  Params p_;
  Rng rng_;
  GeneratorStats* stats_;
  Workload w_;
  std::vector<Book> books_;
  std::vector<uint64_t> next_ref_;  // per account, from 1
  WeightedPicker book_picker_, account_picker_, size_picker_, taker_size_picker_;
  Burst burst_;
};

}  // namespace

std::optional<WorkloadKind> ParseWorkloadKind(std::string_view name) {
  if (name == "standard") return WorkloadKind::kStandard;
  if (name == "single-book") return WorkloadKind::kSingleBook;
  if (name == "burst") return WorkloadKind::kBurst;
  if (name == "wide-book") return WorkloadKind::kWideBook;
  if (name == "trending") return WorkloadKind::kTrending;
  return std::nullopt;
}

std::string_view WorkloadName(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kStandard:
      return "standard";
    case WorkloadKind::kSingleBook:
      return "single-book";
    case WorkloadKind::kBurst:
      return "burst";
    case WorkloadKind::kWideBook:
      return "wide-book";
    case WorkloadKind::kTrending:
      return "trending";
  }
  return "unknown";
}

Workload Generate(const GeneratorOptions& options, GeneratorStats* stats) {
  GeneratorStats local;
  return Generator(options, stats != nullptr ? stats : &local).Run();
}

}  // namespace sequex::workload
