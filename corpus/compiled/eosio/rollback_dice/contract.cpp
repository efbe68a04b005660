// luckyroll: send EOS with memo "<n>" (2..96) and win if the roll is under n.
// The house rotates a secret seed (committed as a hash) that is mixed with
// the bettor's transaction data, so the roll is unpredictable.
//
// With -DVULNERABLE the roll and the payout happen inside the transfer
// notification: the bettor's own contract can send the bet and, in a later
// action of the same transaction, check its balance and eosio_assert if it
// lost, reverting the whole transaction including the bet. The remediation
// only records the bet; the house settles it in a separate transaction
// (`reveal`) after the bet is irreversible in the bettor's view.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) house_row {
   name house;
   capi_checksum256 seed;       // current secret seed (only in the vulnerable build)
   capi_checksum256 seed_hash;  // commitment published before bets are placed
   uint64_t next_id;
};
using house_singleton = singleton<"house"_n.value, house_row>;

struct __attribute__((packed)) bet_row {
   uint64_t id;
   name player;
   asset stake;
   uint8_t roll_under;
   capi_checksum256 player_entropy;
   uint64_t primary_key() const { return id; }
};
using bets_table = multi_index<"bets"_n.value, bet_row>;

static uint8_t parse_number(const string_ref& memo) {
   uint32_t v = 0;
   for (uint32_t i = 0; i < memo.size && i < 3; ++i) {
      check(memo.data[i] >= '0' && memo.data[i] <= '9', "memo must be the roll-under number");
      v = v * 10 + uint32_t(memo.data[i] - '0');
   }
   check(v >= 2 && v <= 96, "roll-under must be between 2 and 96");
   return uint8_t(v);
}

static uint8_t roll_1_100(const capi_checksum256& a, const capi_checksum256& b) {
   char mix[64];
   memcpy(mix, a.hash, 32);
   memcpy(mix + 32, b.hash, 32);
   capi_checksum256 h;
   sha256(mix, sizeof(mix), &h);
   uint64_t x;
   memcpy(&x, h.hash, 8);
   return uint8_t(x % 100 + 1);
}

static asset payout_for(const asset& stake, uint8_t roll_under) {
   asset p = stake;
   p.amount = stake.amount * 98 / int64_t(roll_under - 1);
   return p;
}

class luckyroll : public contract {
 public:
   using contract::contract;

   // [[eosio::action]] the house commits to (and, in the vulnerable build, stores) its seed
   void setseed(capi_checksum256 seed, capi_checksum256 seed_hash) {
      house_singleton hs(get_self(), get_self().value);
      house_row h = hs.get();
      require_auth(h.house.value);
#ifdef VULNERABLE
      assert_sha256((const char*)seed.hash, 32, &seed_hash);
      h.seed = seed;
#else
      (void)seed;
#endif
      h.seed_hash = seed_hash;
      hs.set(h, get_self());
   }

   // [[eosio::on_notify("eosio.token::transfer")]]
   void on_transfer(name from, name to, asset quantity, string_ref memo) {
      if (from == get_self() || to != get_self()) return;
      check(quantity.sym == EOS_SYMBOL, "EOS only");
      check(quantity.amount >= 1000 && quantity.amount <= 500000, "bet between 0.1 and 50 EOS");
      uint8_t roll_under = parse_number(memo);

      house_singleton hs(get_self(), get_self().value);
      house_row h = hs.get();
      capi_checksum256 entropy;
      char buf[16];
      memcpy(buf, &from.value, 8);
      memcpy(buf + 8, &h.next_id, 8);
      sha256(buf, sizeof(buf), &entropy);

#ifdef VULNERABLE
      // settle immediately
      uint8_t roll = roll_1_100(h.seed, entropy);
      h.next_id++;
      hs.set(h, get_self());
      if (roll < roll_under) {
         static const char memo_win[] = "luckyroll: winner!";
         token_transfer("eosio.token"_n, get_self(), from, payout_for(quantity, roll_under), memo_win,
                        sizeof(memo_win) - 1);
      }
#else
      bets_table bets(get_self(), get_self().value);
      bet_row b{};
      b.id = h.next_id++;
      b.player = from;
      b.stake = quantity;
      b.roll_under = roll_under;
      b.player_entropy = entropy;
      bets.emplace(get_self(), b);
      hs.set(h, get_self());
#endif
   }

   // [[eosio::action]] the house settles a recorded bet in its own transaction
   void reveal(uint64_t bet_id, capi_checksum256 seed) {
      house_singleton hs(get_self(), get_self().value);
      house_row h = hs.get();
      require_auth(h.house.value);
      capi_checksum256 committed = h.seed_hash;
      assert_sha256((const char*)seed.hash, 32, &committed);

      bets_table bets(get_self(), get_self().value);
      int32_t itr = bets.find(bet_id);
      bet_row b = bets.get(itr, "unknown bet");
      capi_checksum256 entropy = b.player_entropy;
      uint8_t roll = roll_1_100(seed, entropy);
      bets.erase(itr);
      if (roll < b.roll_under) {
         static const char memo_win[] = "luckyroll: winner!";
         token_transfer("eosio.token"_n, get_self(), b.player, payout_for(b.stake, b.roll_under), memo_win,
                        sizeof(memo_win) - 1);
      }
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   luckyroll self{name(receiver), name(code)};
   if (code == receiver) {
      action_reader r;
      switch (action) {
         case "setseed"_n.value: {
            capi_checksum256 seed, seed_hash;
            r.ds.read(seed.hash, 32);
            r.ds.read(seed_hash.hash, 32);
            self.setseed(seed, seed_hash);
            break;
         }
         case "reveal"_n.value: {
            uint64_t id;
            capi_checksum256 seed;
            unpack(r.ds, id);
            r.ds.read(seed.hash, 32);
            self.reveal(id, seed);
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
