// eosvault: a savings vault. Users deposit EOS (eosio.token notifications)
// and may withdraw to any account, e.g. an exchange deposit address.
//
// With -DVULNERABLE `withdraw` updates the owner's row and sends the EOS
// without require_auth(owner): anyone can drain anyone's savings to an
// account of their choosing. The remediation requires the owner's authority.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) saving_row {
   name owner;
   asset balance;
   uint64_t last_deposit;
   uint64_t primary_key() const { return owner.value; }
};
using savings_table = multi_index<"savings"_n.value, saving_row>;

class eosvault : public contract {
 public:
   using contract::contract;

   // [[eosio::on_notify("eosio.token::transfer")]]
   void deposit(name from, name to, asset quantity, string_ref memo) {
      if (from == get_self() || to != get_self()) return;
      (void)memo;
      check(quantity.sym == EOS_SYMBOL && quantity.amount > 0, "invalid deposit");
      savings_table savings(get_self(), get_self().value);
      int32_t itr = savings.find(from.value);
      if (itr < 0) {
         savings.emplace(get_self(), saving_row{from, quantity, current_time()});
      } else {
         saving_row row = savings.get(itr, "");
         row.balance.amount += quantity.amount;
         check(row.balance.is_amount_within_range(), "overflow");
         row.last_deposit = current_time();
         savings.modify(itr, get_self(), row);
      }
   }

   // [[eosio::action]]
   void withdraw(name owner, name to, asset quantity) {
#ifndef VULNERABLE
      require_auth(owner.value);
#endif
      check(is_account(to.value), "to account does not exist");
      check(quantity.sym == EOS_SYMBOL && quantity.amount > 0, "invalid quantity");

      savings_table savings(get_self(), get_self().value);
      int32_t itr = savings.find(owner.value);
      saving_row row = savings.get(itr, "no savings for owner");
      check(row.balance.amount >= quantity.amount, "insufficient savings");
      row.balance.amount -= quantity.amount;
      if (row.balance.amount == 0)
         savings.erase(itr);
      else
         savings.modify(itr, get_self(), row);

      static const char memo[] = "eosvault withdrawal";
      token_transfer("eosio.token"_n, get_self(), to, quantity, memo, sizeof(memo) - 1);
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   eosvault self{name(receiver), name(code)};
   if (code == receiver) {
      switch (action) {
         case "withdraw"_n.value: {
            action_reader r;
            name owner, to;
            asset q;
            unpack(r.ds, owner.value);
            unpack(r.ds, to.value);
            unpack(r.ds, q.amount);
            unpack(r.ds, q.sym.value);
            self.withdraw(owner, to, q);
            break;
         }
         default:
            eosio_assert_code(false, 1);
      }
   } else if (code == "eosio.token"_n.value && action == "transfer"_n.value) {
      action_reader r;
      transfer_args t = read_transfer_args(r.ds);
      self.deposit(t.from, t.to, t.quantity, t.memo);
   }
   eosio_exit(0);
}
