// betdice: a dice game in the style of 2018-era EOS dapps. The player sends
// EOS with a memo "roll-under:<n>:<seed>"; the house later resolves the bet
// with its own signed seed via `resolvebet`.
//
// The apply() dispatcher is hand written (as EOSBet's was) so that both the
// contract's own actions and eosio.token notifications go through one
// switch. With -DVULNERABLE, a `transfer` action sent directly to betdice
// (code == receiver, no tokens moved at all) is dispatched to the deposit
// handler exactly like a real eosio.token notification.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) bet_row {
   uint64_t id;
   name bettor;
   asset amount;
   uint8_t roll_under;
   capi_checksum256 seed_hash;
   uint64_t created_at;
   uint64_t primary_key() const { return id; }
};
using bets_table = multi_index<"activebets"_n.value, bet_row>;

struct __attribute__((packed)) global_row {
   uint64_t next_bet_id;
   int64_t total_wagered;
   name house;
};
using global_singleton = singleton<"global"_n.value, global_row>;

static uint8_t parse_roll_under(const string_ref& memo) {
   // "roll-under:NN:..."; anything unparsable is rejected
   static const char prefix[] = "roll-under:";
   const uint32_t plen = sizeof(prefix) - 1;
   check(memo.size > plen + 1 && memcmp(memo.data, prefix, plen) == 0, "memo must be roll-under:<n>:<seed>");
   uint32_t v = 0;
   uint32_t i = plen;
   for (; i < memo.size && memo.data[i] >= '0' && memo.data[i] <= '9'; ++i) v = v * 10 + uint32_t(memo.data[i] - '0');
   check(v >= 2 && v <= 96, "roll under must be in [2, 96]");
   return uint8_t(v);
}

class betdice : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void init(name house) {
      require_auth(get_self().value);
      global_singleton g(get_self(), get_self().value);
      check(!g.exists(), "already initialized");
      g.set(global_row{1, 0, house}, get_self());
   }

   // deposit handler: eosio.token::transfer notification
   void transfer(name from, name to, asset quantity, string_ref memo) {
      if (from == get_self() || to != get_self()) return;
      check(quantity.sym == EOS_SYMBOL, "only EOS");
      check(quantity.amount >= 1000 && quantity.amount <= 1000000, "bet must be between 0.1 and 100 EOS");
      uint8_t roll_under = parse_roll_under(memo);

      global_singleton g(get_self(), get_self().value);
      global_row gl = g.get();
      bets_table bets(get_self(), get_self().value);
      bet_row b{};
      b.id = gl.next_bet_id++;
      b.bettor = from;
      b.amount = quantity;
      b.roll_under = roll_under;
      capi_checksum256 seed_hash;
      sha256(memo.data, memo.size, &seed_hash);
      b.seed_hash = seed_hash;
      b.created_at = current_time();
      bets.emplace(get_self(), b);
      gl.total_wagered += quantity.amount;
      g.set(gl, get_self());
   }

   // [[eosio::action]] house reveals its seed and settles the bet
   void resolvebet(uint64_t bet_id, capi_checksum256 house_seed) {
      global_singleton g(get_self(), get_self().value);
      global_row gl = g.get();
      require_auth(gl.house.value);

      bets_table bets(get_self(), get_self().value);
      int32_t itr = bets.find(bet_id);
      bet_row b = bets.get(itr, "no such bet");

      char mix[64];
      memcpy(mix, house_seed.hash, 32);
      memcpy(mix + 32, b.seed_hash.hash, 32);
      capi_checksum256 h;
      sha256(mix, sizeof(mix), &h);
      uint8_t roll = uint8_t((uint32_t(h.hash[0]) << 8 | h.hash[1]) % 100 + 1);
      bets.erase(itr);

      if (roll < b.roll_under) {
         asset payout = b.amount;
         payout.amount = b.amount.amount * 98 / int64_t(b.roll_under - 1);
         static const char memo[] = "betdice: you win!";
         token_transfer("eosio.token"_n, get_self(), b.bettor, payout, memo, sizeof(memo) - 1);
      }
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   betdice self{name(receiver), name(code)};
   if (code == receiver || code == "eosio.token"_n.value) {
#ifndef VULNERABLE
      if (action == "transfer"_n.value) {
         eosio_assert(code == "eosio.token"_n.value, "onerror action's are only valid from the \"eosio.token\" account");
      }
#endif
      action_reader r;
      switch (action) {
         case "transfer"_n.value: {
            transfer_args t = read_transfer_args(r.ds);
            self.transfer(t.from, t.to, t.quantity, t.memo);
            break;
         }
         case "init"_n.value: {
            name house;
            unpack(r.ds, house.value);
            self.init(house);
            break;
         }
         case "resolvebet"_n.value: {
            uint64_t id;
            capi_checksum256 seed;
            unpack(r.ds, id);
            r.ds.read(seed.hash, 32);
            self.resolvebet(id, seed);
            break;
         }
      }
   }
}
