// stakepool: stake EOS, accrue rewards per second, unstake or claim rewards.
// The admin can pause the pool (e.g. while an incident is investigated);
// a paused pool must not move any funds.
//
// With -DVULNERABLE `claim` forgets the pause check that stake/unstake have,
// so rewards (computed from a possibly corrupted rate) can still be drained
// while the pool is frozen. The remediation checks the flag in claim too.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) config_row {
   name admin;
   uint8_t paused;
   int64_t reward_per_sec_per_eos;  // in 1e-8 EOS units
};
using config_singleton = singleton<"config"_n.value, config_row>;

struct __attribute__((packed)) stake_row {
   name owner;
   int64_t staked;
   uint64_t last_claim;  // microseconds
   uint64_t primary_key() const { return owner.value; }
};
using stakes_table = multi_index<"stakes"_n.value, stake_row>;

class stakepool : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void setpaused(bool paused) {
      config_singleton c(get_self(), get_self().value);
      config_row cfg = c.get();
      require_auth(cfg.admin.value);
      cfg.paused = paused;
      c.set(cfg, get_self());
   }

   // [[eosio::on_notify("eosio.token::transfer")]] stake
   void on_transfer(name from, name to, asset quantity, string_ref memo) {
      if (from == get_self() || to != get_self()) return;
      (void)memo;
      check_not_paused();
      check(quantity.sym == EOS_SYMBOL && quantity.amount > 0, "invalid stake");
      stakes_table s(get_self(), get_self().value);
      int32_t itr = s.find(from.value);
      if (itr < 0) {
         s.emplace(get_self(), stake_row{from, quantity.amount, current_time()});
      } else {
         stake_row row = s.get(itr, "");
         pay_rewards(row);
         row.staked += quantity.amount;
         s.modify(itr, get_self(), row);
      }
   }

   // [[eosio::action]]
   void unstake(name owner, asset quantity) {
      require_auth(owner.value);
      check_not_paused();
      check(quantity.sym == EOS_SYMBOL && quantity.amount > 0, "invalid quantity");
      stakes_table s(get_self(), get_self().value);
      int32_t itr = s.find(owner.value);
      stake_row row = s.get(itr, "nothing staked");
      check(row.staked >= quantity.amount, "unstaking more than staked");
      pay_rewards(row);
      row.staked -= quantity.amount;
      s.modify(itr, get_self(), row);
      static const char memo[] = "stakepool unstake";
      token_transfer("eosio.token"_n, get_self(), owner, quantity, memo, sizeof(memo) - 1);
   }

   // [[eosio::action]]
   void claim(name owner) {
      require_auth(owner.value);
#ifndef VULNERABLE
      check_not_paused();
#endif
      stakes_table s(get_self(), get_self().value);
      int32_t itr = s.find(owner.value);
      stake_row row = s.get(itr, "nothing staked");
      pay_rewards(row);
      s.modify(itr, get_self(), row);
   }

 private:
   void check_not_paused() {
      config_singleton c(get_self(), get_self().value);
      check(!c.get().paused, "stakepool is paused");
   }

   void pay_rewards(stake_row& row) {
      config_singleton c(get_self(), get_self().value);
      uint64_t now = current_time();
      int64_t secs = int64_t((now - row.last_claim) / 1000000);
      int64_t reward = row.staked / 10000 * secs * c.get().reward_per_sec_per_eos / 10000;
      row.last_claim = now;
      if (reward > 0) {
         static const char memo[] = "stakepool reward";
         token_transfer("eosio.token"_n, get_self(), row.owner, asset{reward, EOS_SYMBOL}, memo, sizeof(memo) - 1);
      }
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   stakepool self{name(receiver), name(code)};
   if (code == receiver) {
      action_reader r;
      switch (action) {
         case "setpaused"_n.value: {
            uint8_t p;
            unpack(r.ds, p);
            self.setpaused(p != 0);
            break;
         }
         case "unstake"_n.value: {
            name owner;
            asset q;
            unpack(r.ds, owner.value);
            unpack(r.ds, q.amount);
            unpack(r.ds, q.sym.value);
            self.unstake(owner, q);
            break;
         }
         case "claim"_n.value: {
            name owner;
            unpack(r.ds, owner.value);
            self.claim(owner);
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
