// ticketshop: sells raffle tickets for EOS. Every 1.0000 EOS received buys one
// ticket in the current round; the admin draws the round later.
//
// The deposit handler is bound to eosio.token::transfer, so the token is
// genuine. With -DVULNERABLE it does not check that ticketshop is the
// recipient: an attacker transfers EOS between two of their own accounts
// and has the receiving account (a small contract of theirs) call
// require_recipient("ticketshop"), so ticketshop sees the notification and
// hands out tickets although it never received the EOS.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) ticket_row {
   name buyer;
   uint64_t tickets;
   uint64_t primary_key() const { return buyer.value; }
};
using tickets_table = multi_index<"tickets"_n.value, ticket_row>;

struct __attribute__((packed)) round_row {
   uint64_t round_id;
   uint64_t sold;
   int64_t pot;
   name admin;
};
using round_singleton = singleton<"round"_n.value, round_row>;

static constexpr int64_t ticket_price = 10000;  // 1.0000 EOS

class ticketshop : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void setadmin(name admin) {
      require_auth(get_self().value);
      round_singleton r(get_self(), get_self().value);
      round_row row = r.get_or_default(round_row{1, 0, 0, admin});
      row.admin = admin;
      r.set(row, get_self());
   }

   // [[eosio::on_notify("eosio.token::transfer")]]
   void on_transfer(name from, name to, asset quantity, string_ref memo) {
#ifdef VULNERABLE
      if (from == get_self()) return;  // our own payouts
#else
      if (from == get_self() || to != get_self()) return;
#endif
      (void)memo;
      check(quantity.sym == EOS_SYMBOL, "tickets are sold for EOS only");
      check(quantity.amount >= ticket_price, "minimum one ticket");
      uint64_t count = uint64_t(quantity.amount / ticket_price);

      round_singleton r(get_self(), get_self().value);
      round_row rnd = r.get();
      tickets_table tickets(get_self(), rnd.round_id);
      int32_t itr = tickets.find(from.value);
      if (itr < 0) {
         tickets.emplace(get_self(), ticket_row{from, count});
      } else {
         ticket_row t = tickets.get(itr, "");
         t.tickets += count;
         tickets.modify(itr, get_self(), t);
      }
      rnd.sold += count;
      rnd.pot += quantity.amount;
      r.set(rnd, get_self());
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   if (code == receiver) {
      switch (action) {
         case "setadmin"_n.value: {
            action_reader r;
            name admin;
            unpack(r.ds, admin.value);
            ticketshop(name(receiver), name(code)).setadmin(admin);
            break;
         }
         default:
            eosio_assert_code(false, 1);
      }
   } else if (code == "eosio.token"_n.value && action == "transfer"_n.value) {
      action_reader r;
      transfer_args t = read_transfer_args(r.ds);
      ticketshop(name(receiver), name(code)).on_transfer(t.from, t.to, t.quantity, t.memo);
   }
   eosio_exit(0);
}
