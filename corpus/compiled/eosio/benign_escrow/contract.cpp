// otcescrow: over-the-counter EOS escrow. A seller deposits EOS with memo
// "<deal id>", the arbiter or the seller releases it to the buyer, or the
// seller refunds it after the deadline. Written defensively: notifications
// only from eosio.token and only when otcescrow is the recipient, every
// action authorizes the account whose funds move, checked arithmetic, and
// cleanup of expired deals is paginated.
#include "eosiolib_lite.hpp"
#include "token_notify.hpp"

using namespace eosio;

struct __attribute__((packed)) deal_row {
   uint64_t id;
   name seller;
   name buyer;
   name arbiter;
   asset quantity;   // funded amount
   asset price;      // amount the deal expects
   uint64_t deadline;
   uint64_t primary_key() const { return id; }
};
using deals_table = multi_index<"deals"_n.value, deal_row>;

struct __attribute__((packed)) counter_row {
   uint64_t next_id;
   uint64_t expire_cursor;
};
using counter_singleton = singleton<"counter"_n.value, counter_row>;

static uint64_t parse_id(const string_ref& memo) {
   check(memo.size > 0 && memo.size <= 19, "memo must be a deal id");
   uint64_t v = 0;
   for (uint32_t i = 0; i < memo.size; ++i) {
      check(memo.data[i] >= '0' && memo.data[i] <= '9', "memo must be a deal id");
      v = v * 10 + uint64_t(memo.data[i] - '0');
   }
   return v;
}

class otcescrow : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void open(name seller, name buyer, name arbiter, asset price, uint32_t days) {
      require_auth(seller.value);
      check(is_account(buyer.value) && is_account(arbiter.value), "unknown account");
      check(price.sym == EOS_SYMBOL && price.amount > 0 && price.is_amount_within_range(), "invalid price");
      check(days >= 1 && days <= 90, "deadline must be 1..90 days");
      counter_singleton c(get_self(), get_self().value);
      counter_row ctr = c.get_or_default(counter_row{1, 0});
      deals_table deals(get_self(), get_self().value);
      deals.emplace(seller, deal_row{ctr.next_id, seller, buyer, arbiter, asset{0, EOS_SYMBOL}, price,
                                     current_time() + uint64_t(days) * 86400ull * 1000000ull});
      ctr.next_id += 1;
      c.set(ctr, seller);
   }

   // [[eosio::on_notify("eosio.token::transfer")]]
   void on_transfer(name from, name to, asset quantity, string_ref memo) {
      if (from == get_self() || to != get_self()) return;
      check(quantity.sym == EOS_SYMBOL && quantity.amount > 0, "EOS only");
      deals_table deals(get_self(), get_self().value);
      int32_t itr = deals.find(parse_id(memo));
      deal_row d = deals.get(itr, "unknown deal");
      check(d.seller == from, "only the seller funds a deal");
      check(d.quantity.amount <= d.price.amount - quantity.amount, "overfunded");
      d.quantity.amount += quantity.amount;
      deals.modify(itr, get_self(), d);
   }

   // [[eosio::action]]
   void release(uint64_t id, name by) {
      require_auth(by.value);
      deals_table deals(get_self(), get_self().value);
      int32_t itr = deals.find(id);
      deal_row d = deals.get(itr, "unknown deal");
      check(by == d.seller || by == d.arbiter, "only seller or arbiter can release");
      check(d.quantity.amount == d.price.amount, "deal not fully funded");
      deals.erase(itr);
      static const char memo[] = "otcescrow release";
      token_transfer("eosio.token"_n, get_self(), d.buyer, d.quantity, memo, sizeof(memo) - 1);
   }

   // [[eosio::action]]
   void refund(uint64_t id) {
      deals_table deals(get_self(), get_self().value);
      int32_t itr = deals.find(id);
      deal_row d = deals.get(itr, "unknown deal");
      require_auth(d.seller.value);
      check(current_time() > d.deadline, "deadline not reached");
      deals.erase(itr);
      if (d.quantity.amount > 0) {
         static const char memo[] = "otcescrow refund";
         token_transfer("eosio.token"_n, get_self(), d.seller, d.quantity, memo, sizeof(memo) - 1);
      }
   }

   // [[eosio::action]] erase unfunded expired deals, at most `limit` rows per call
   void expire(uint32_t limit) {
      require_auth(get_self().value);
      check(limit > 0 && limit <= 100, "limit must be 1..100");
      counter_singleton c(get_self(), get_self().value);
      counter_row ctr = c.get();
      deals_table deals(get_self(), get_self().value);
      uint64_t now = current_time();
      uint64_t pk = 0;
      int32_t itr = deals.lower_bound(ctr.expire_cursor);
      for (uint32_t seen = 0; itr >= 0 && seen < limit; ++seen) {
         deal_row d = deals.get(itr, "");
         int32_t nxt = deals.next(itr, &pk);
         if (d.quantity.amount == 0 && now > d.deadline) deals.erase(itr);
         itr = nxt;
      }
      ctr.expire_cursor = itr >= 0 ? pk : 0;
      c.set(ctr, get_self());
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   otcescrow self{name(receiver), name(code)};
   if (code == receiver) {
      action_reader r;
      switch (action) {
         case "open"_n.value: {
            name s, b, a;
            asset p;
            uint32_t days;
            unpack(r.ds, s.value);
            unpack(r.ds, b.value);
            unpack(r.ds, a.value);
            unpack(r.ds, p.amount);
            unpack(r.ds, p.sym.value);
            unpack(r.ds, days);
            self.open(s, b, a, p, days);
            break;
         }
         case "release"_n.value: {
            uint64_t id;
            name by;
            unpack(r.ds, id);
            unpack(r.ds, by.value);
            self.release(id, by);
            break;
         }
         case "refund"_n.value: {
            uint64_t id;
            unpack(r.ds, id);
            self.refund(id);
            break;
         }
         case "expire"_n.value: {
            uint32_t limit;
            unpack(r.ds, limit);
            self.expire(limit);
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
