// dicebank: players deposit EOS by transferring to the contract; the
// contract credits their in-game balance, which they can bet or withdraw.
//
// The deposit handler is registered for "*::transfer" (any token contract)
// so that the author could later add other tokens. With -DVULNERABLE the
// handler never checks which contract sent the notification, so anybody can
// deploy their own "eosio.token" clone, issue themselves fake "EOS" and
// transfer it to dicebank to be credited real EOS.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) account_row {
   name owner;
   asset balance;
   uint64_t primary_key() const { return owner.value; }
};
using accounts_table = multi_index<"accounts"_n.value, account_row>;

struct __attribute__((packed)) stats_row {
   int64_t total_deposits;
   int64_t total_withdrawals;
};
using stats_singleton = singleton<"stats"_n.value, stats_row>;

class dicebank : public contract {
 public:
   using contract::contract;

   // [[eosio::on_notify("*::transfer")]]
   void on_transfer(name from, name to, asset quantity, string_ref memo) {
      if (from == get_self() || to != get_self()) return;
#ifndef VULNERABLE
      check(get_first_receiver() == "eosio.token"_n, "only eosio.token deposits are accepted");
#endif
      check(quantity.sym == EOS_SYMBOL, "only EOS deposits are accepted");
      check(quantity.amount > 0, "deposit must be positive");
      (void)memo;

      accounts_table accts(get_self(), get_self().value);
      int32_t itr = accts.find(from.value);
      if (itr < 0) {
         accts.emplace(get_self(), account_row{from, quantity});
      } else {
         account_row row = accts.get(itr, "");
         row.balance.amount += quantity.amount;
         check(row.balance.is_amount_within_range(), "balance overflow");
         accts.modify(itr, get_self(), row);
      }

      stats_singleton stats(get_self(), get_self().value);
      stats_row s = stats.get_or_default();
      s.total_deposits += quantity.amount;
      stats.set(s, get_self());
   }

   // [[eosio::action]]
   void withdraw(name owner, asset quantity) {
      require_auth(owner.value);
      check(quantity.sym == EOS_SYMBOL, "bad symbol");
      check(quantity.amount > 0, "must withdraw a positive amount");

      accounts_table accts(get_self(), get_self().value);
      int32_t itr = accts.find(owner.value);
      account_row row = accts.get(itr, "no balance");
      check(row.balance.amount >= quantity.amount, "overdrawn balance");
      row.balance.amount -= quantity.amount;
      if (row.balance.amount == 0)
         accts.erase(itr);
      else
         accts.modify(itr, owner, row);

      stats_singleton stats(get_self(), get_self().value);
      stats_row s = stats.get_or_default();
      s.total_withdrawals += quantity.amount;
      stats.set(s, get_self());

      static const char memo[] = "dicebank withdrawal";
      token_transfer("eosio.token"_n, get_self(), owner, quantity, memo, sizeof(memo) - 1);
   }
};

// What EOSIO_DISPATCH / the cdt codegen emits for one action plus a
// wildcard on_notify("*::transfer") handler.
extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   if (code == receiver) {
      switch (action) {
         case "withdraw"_n.value: {
            action_reader r;
            name owner;
            asset quantity;
            unpack(r.ds, owner.value);
            unpack(r.ds, quantity.amount);
            unpack(r.ds, quantity.sym.value);
            dicebank(name(receiver), name(code)).withdraw(owner, quantity);
            break;
         }
         default:
            eosio_assert_code(false, 1);
      }
   } else {
      switch (action) {
         case "transfer"_n.value: {
            action_reader r;
            transfer_args t = read_transfer_args(r.ds);
            dicebank(name(receiver), name(code)).on_transfer(t.from, t.to, t.quantity, t.memo);
            break;
         }
      }
   }
   eosio_exit(0);
}
