// gamegold: an in-game token kept in the contract's own table (no
// eosio.token), with an airdrop-style `batchxfer` that pays the same amount
// to up to 20 players.
//
// With -DVULNERABLE `batchxfer` computes amount * recipients in uint64 and
// credits recipients with unchecked additions: amount = 2^63 and two
// recipients make the total wrap to 0, passing the balance check and minting
// 2^63 tokens to each recipient (the BeautyChain batchOverflow). The
// remediation bounds the multiplication and checks every addition.
#include "eosiolib_lite.hpp"

using namespace eosio;

struct __attribute__((packed)) balance_row {
   name owner;
   uint64_t amount;
   uint64_t primary_key() const { return owner.value; }
};
using balances_table = multi_index<"balances"_n.value, balance_row>;

struct __attribute__((packed)) supply_row {
   uint64_t supply;
   uint64_t max_supply;
};
using supply_singleton = singleton<"supply"_n.value, supply_row>;

class gamegold : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void issue(name to, uint64_t amount) {
      require_auth(get_self().value);
      supply_singleton s(get_self(), get_self().value);
      supply_row sup = s.get_or_default(supply_row{0, 10000000000ull});
      check(amount <= sup.max_supply - sup.supply, "exceeds max supply");
      sup.supply += amount;
      s.set(sup, get_self());
      add_balance(to, amount, get_self());
   }

   // [[eosio::action]]
   void transfer(name from, name to, uint64_t amount) {
      require_auth(from.value);
      check(is_account(to.value), "to account does not exist");
      check(from != to, "cannot transfer to self");
      sub_balance(from, amount);
      add_balance(to, amount, from);
      require_recipient(from.value);
      require_recipient(to.value);
   }

   // [[eosio::action]]
   void batchxfer(name from, const name* to, uint32_t count, uint64_t amount) {
      require_auth(from.value);
      check(count > 0 && count <= 20, "1 to 20 recipients");
#ifdef VULNERABLE
      uint64_t total = amount * count;
#else
      check(amount > 0 && amount <= UINT64_MAX / count, "amount too large");
      uint64_t total = amount * count;
#endif
      sub_balance(from, total);
      for (uint32_t i = 0; i < count; ++i) {
         add_balance(to[i], amount, from);
         require_recipient(to[i].value);
      }
   }

 private:
   void sub_balance(name owner, uint64_t amount) {
      balances_table b(get_self(), owner.value);
      int32_t itr = b.find(owner.value);
      balance_row row = b.get(itr, "no balance object found");
      check(row.amount >= amount, "overdrawn balance");
      row.amount -= amount;
      b.modify(itr, owner, row);
   }

   void add_balance(name owner, uint64_t amount, name payer) {
      balances_table b(get_self(), owner.value);
      int32_t itr = b.find(owner.value);
      if (itr < 0) {
         b.emplace(payer, balance_row{owner, amount});
      } else {
         balance_row row = b.get(itr, "");
#ifndef VULNERABLE
         check(row.amount + amount >= row.amount, "balance overflow");
#endif
         row.amount += amount;
         b.modify(itr, get_self(), row);
      }
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   if (code != receiver) return;
   gamegold self{name(receiver), name(code)};
   action_reader r;
   switch (action) {
      case "issue"_n.value: {
         name to;
         uint64_t amount;
         unpack(r.ds, to.value);
         unpack(r.ds, amount);
         self.issue(to, amount);
         break;
      }
      case "transfer"_n.value: {
         name from, to;
         uint64_t amount;
         unpack(r.ds, from.value);
         unpack(r.ds, to.value);
         unpack(r.ds, amount);
         self.transfer(from, to, amount);
         break;
      }
      case "batchxfer"_n.value: {
         // batchxfer(name from, vector<name> to, uint64_t amount)
         name from;
         unpack(r.ds, from.value);
         uint32_t count = unpack_varuint32(r.ds);
         check(count <= 20, "too many recipients");
         name to[20];
         for (uint32_t i = 0; i < count; ++i) unpack(r.ds, to[i].value);
         uint64_t amount;
         unpack(r.ds, amount);
         self.batchxfer(from, to, count, amount);
         break;
      }
      default:
         eosio_assert_code(false, 1);
   }
}
