// recoverwal: a contract-controlled wallet with social recovery. Its own
// `active` permission is held by a controller account (plus eosio.code so the
// contract can act for itself); guardians vote to hand control to a new
// controller if the old key is lost.
//
// `setcontrol` is the low-level step that rewrites the active permission
// through an inline eosio::updateauth. It is meant to be run by the wallet
// itself (the current controller through the wallet's active permission, or
// the contract after a guardian vote). With -DVULNERABLE it never checks
// that: anybody can make themselves the controller of the wallet. The
// remediation requires the wallet's own authority (require_auth(get_self())).
#include "eosiolib_lite.hpp"

using namespace eosio;

struct __attribute__((packed)) guardian_row {
   name guardian;
   name proposed_controller;
   uint64_t voted_at;
   uint64_t primary_key() const { return guardian.value; }
};
using guardians_table = multi_index<"guardians"_n.value, guardian_row>;

struct __attribute__((packed)) wallet_row {
   name controller;
   uint32_t threshold;  // guardian votes needed for recovery
   uint32_t guardians;
};
using wallet_singleton = singleton<"wallet"_n.value, wallet_row>;

// eosio::updateauth { account, permission, parent, authority auth }
static void send_updateauth(name account, name new_controller) {
   action_builder a({account, "active"_n}, "eosio"_n, "updateauth"_n);
   pack(a.payload, account.value);
   pack(a.payload, "active"_n.value);
   pack(a.payload, "owner"_n.value);
   // authority { threshold; keys; accounts; waits }
   pack(a.payload, uint32_t(1));
   pack_varuint32(a.payload, 0);  // no keys
   pack_varuint32(a.payload, 2);  // accounts, sorted by actor
   name first = new_controller < account ? new_controller : account;
   name second = new_controller < account ? account : new_controller;
   const name ordered[2] = {first, second};
   for (name n : ordered) {
      pack(a.payload, n.value);
      pack(a.payload, (n == account ? "eosio.code"_n : "active"_n).value);
      pack(a.payload, uint16_t(1));
   }
   pack_varuint32(a.payload, 0);  // no waits
   a.send();
}

class recoverwal : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void setcontrol(name new_controller) {
#ifndef VULNERABLE
      require_auth(get_self().value);
#endif
      check(is_account(new_controller.value), "controller account does not exist");
      check(new_controller != get_self(), "wallet cannot control itself");
      wallet_singleton w(get_self(), get_self().value);
      wallet_row row = w.get_or_default(wallet_row{new_controller, 2, 0});
      row.controller = new_controller;
      w.set(row, get_self());
      send_updateauth(get_self(), new_controller);
   }

   // [[eosio::action]] guardians vote for a new controller; at threshold the
   // wallet re-runs setcontrol on itself.
   void vote(name guardian, name proposed) {
      require_auth(guardian.value);
      guardians_table g(get_self(), get_self().value);
      int32_t itr = g.find(guardian.value);
      guardian_row row = g.get(itr, "not a guardian");
      row.proposed_controller = proposed;
      row.voted_at = current_time();
      g.modify(itr, guardian, row);

      uint32_t votes = 0;
      uint64_t pk;
      for (int32_t i = g.begin(); i >= 0; i = g.next(i, &pk)) {
         guardian_row gr = g.get(i, "");
         if (gr.proposed_controller == proposed) ++votes;
      }
      wallet_singleton w(get_self(), get_self().value);
      if (votes >= w.get().threshold) {
         action_builder a({get_self(), "active"_n}, get_self(), "setcontrol"_n);
         pack(a.payload, proposed.value);
         a.send();
      }
   }

   // [[eosio::action]]
   void addguardian(name guardian) {
      require_auth(get_self().value);
      guardians_table g(get_self(), get_self().value);
      check(g.find(guardian.value) < 0, "already a guardian");
      g.emplace(get_self(), guardian_row{guardian, name(0), 0});
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   if (code != receiver) return;
   recoverwal self{name(receiver), name(code)};
   action_reader r;
   switch (action) {
      case "setcontrol"_n.value: {
         name c;
         unpack(r.ds, c.value);
         self.setcontrol(c);
         break;
      }
      case "vote"_n.value: {
         name g, p;
         unpack(r.ds, g.value);
         unpack(r.ds, p.value);
         self.vote(g, p);
         break;
      }
      case "addguardian"_n.value: {
         name g;
         unpack(r.ds, g.value);
         self.addguardian(g);
         break;
      }
      default:
         eosio_assert_code(false, 1);
   }
}
