// eoslotto: a daily lottery. Each 1.0000 EOS transfer is one entry; the
// operator calls `draw` once the round closes and the whole pot (minus a fee)
// goes to the winning entry.
//
// With -DVULNERABLE the winning entry is picked from tapos_block_prefix(),
// tapos_block_num() and current_time(): all three are known to (or chosen by)
// whoever builds the transaction and to block producers, so the winner can be
// predicted and the draw timed. The remediation uses a commit/reveal seed:
// the operator publishes sha256(seed) when the round opens and must reveal
// the matching seed in `draw`; the seed is mixed with entropy accumulated from
// every entry.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) entry_row {
   uint64_t id;
   name player;
   uint64_t primary_key() const { return id; }
};
using entries_table = multi_index<"entries"_n.value, entry_row>;

struct __attribute__((packed)) round_row {
   name operator_account;
   uint64_t round;
   uint64_t entries;
   int64_t pot;
   uint8_t open;
   capi_checksum256 seed_hash;
   capi_checksum256 entropy;
};
using round_singleton = singleton<"round"_n.value, round_row>;

static constexpr int64_t entry_price = 10000;

class eoslotto : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void open(name operator_account, capi_checksum256 seed_hash) {
      require_auth(get_self().value);
      round_singleton rs(get_self(), get_self().value);
      round_row r = rs.get_or_default();
      check(!r.open, "round already open");
      r.operator_account = operator_account;
      r.round += 1;
      r.entries = 0;
      r.pot = 0;
      r.open = 1;
      r.seed_hash = seed_hash;
      memset(r.entropy.hash, 0, 32);
      rs.set(r, get_self());
   }

   // [[eosio::on_notify("eosio.token::transfer")]]
   void on_transfer(name from, name to, asset quantity, string_ref memo) {
      if (from == get_self() || to != get_self()) return;
      check(quantity.sym == EOS_SYMBOL, "EOS only");
      check(quantity.amount == entry_price, "an entry costs exactly 1.0000 EOS");
      round_singleton rs(get_self(), get_self().value);
      round_row r = rs.get();
      check(r.open, "no open round");

      entries_table entries(get_self(), r.round);
      entries.emplace(get_self(), entry_row{r.entries, from});
      r.entries += 1;
      r.pot += quantity.amount;

      // entropy accumulator: H(entropy || player || memo)
      char buf[32 + 8 + 64];
      uint32_t n = memo.size < 64 ? memo.size : 64;
      memcpy(buf, r.entropy.hash, 32);
      memcpy(buf + 32, &from.value, 8);
      memcpy(buf + 40, memo.data, n);
      capi_checksum256 e;
      sha256(buf, 40 + n, &e);
      r.entropy = e;
      rs.set(r, get_self());
   }

   // [[eosio::action]]
   void draw(capi_checksum256 seed) {
      round_singleton rs(get_self(), get_self().value);
      round_row r = rs.get();
      require_auth(r.operator_account.value);
      check(r.open && r.entries > 0, "nothing to draw");

#ifdef VULNERABLE
      (void)seed;
      uint64_t rnd = uint64_t(uint32_t(tapos_block_prefix())) * uint64_t(tapos_block_num()) ^ current_time();
      uint64_t winner_id = rnd % r.entries;
#else
      capi_checksum256 committed = r.seed_hash;
      assert_sha256((const char*)seed.hash, 32, &committed);
      char buf[64];
      memcpy(buf, seed.hash, 32);
      memcpy(buf + 32, r.entropy.hash, 32);
      capi_checksum256 h;
      sha256(buf, sizeof(buf), &h);
      uint64_t rnd;
      memcpy(&rnd, h.hash, 8);
      uint64_t winner_id = rnd % r.entries;
#endif

      entries_table entries(get_self(), r.round);
      entry_row winner = entries.get_by_key(winner_id, "winner entry missing");
      asset prize{r.pot - r.pot / 20, EOS_SYMBOL};
      r.open = 0;
      rs.set(r, get_self());
      static const char memo[] = "eoslotto jackpot";
      token_transfer("eosio.token"_n, get_self(), winner.player, prize, memo, sizeof(memo) - 1);
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   eoslotto self{name(receiver), name(code)};
   if (code == receiver) {
      action_reader r;
      switch (action) {
         case "open"_n.value: {
            name op;
            capi_checksum256 h;
            unpack(r.ds, op.value);
            r.ds.read(h.hash, 32);
            self.open(op, h);
            break;
         }
         case "draw"_n.value: {
            capi_checksum256 seed;
            r.ds.read(seed.hash, 32);
            self.draw(seed);
            break;
         }
         default:
            eosio_assert_code(false, 1);
      }
   } else if (code == "eosio.token"_n.value && action == "transfer"_n.value) {
      action_reader r;
      transfer_args t = read_transfer_args(r.ds);
      self.on_transfer(t.from, t.to, t.quantity, t.memo);
   }
   eosio_exit(0);
}
