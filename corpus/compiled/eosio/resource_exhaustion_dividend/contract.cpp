// dividend: anyone can `signup` as a shareholder (one share each, RAM paid by
// the shareholder); the operator periodically distributes the contract's EOS
// income equally to every shareholder.
//
// With -DVULNERABLE `payout` walks the entire shareholder table with
// db_next_i64 and sends one inline eosio.token::transfer per row in a single
// action. Since signup is open, the table grows without bound and the payout
// eventually exceeds the transaction CPU/inline-action limits: no one can be
// paid again. The remediation pays in pages: the caller passes a capped
// `limit`, and a cursor remembers where the next page starts.
#include "eosiolib_lite.hpp"

using namespace eosio;

struct __attribute__((packed)) holder_row {
   name account;
   uint64_t joined;
   uint64_t last_paid_round;
   uint64_t primary_key() const { return account.value; }
};
using holders_table = multi_index<"holders"_n.value, holder_row>;

struct __attribute__((packed)) state_row {
   name operator_account;
   uint64_t round;
   uint64_t holders;
   int64_t per_share;     // amount each holder gets this round
   uint64_t cursor;       // next primary key to pay (paginated payout)
};
using state_singleton = singleton<"state"_n.value, state_row>;

static const char payout_memo[] = "dividend payout";

class dividend : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void signup(name account) {
      require_auth(account.value);
      holders_table h(get_self(), get_self().value);
      check(h.find(account.value) < 0, "already a shareholder");
      h.emplace(account, holder_row{account, current_time(), 0});
      state_singleton s(get_self(), get_self().value);
      state_row st = s.get();
      st.holders += 1;
      s.set(st, get_self());
   }

   // [[eosio::action]] open a new round: per_share = income / holders
   void newround(asset income) {
      state_singleton s(get_self(), get_self().value);
      state_row st = s.get();
      require_auth(st.operator_account.value);
      check(income.sym == EOS_SYMBOL && income.amount > 0, "bad income");
      check(st.holders > 0, "no shareholders");
      st.round += 1;
      st.per_share = income.amount / int64_t(st.holders);
      st.cursor = 0;
      s.set(st, get_self());
   }

#ifdef VULNERABLE
   // [[eosio::action]]
   void payout() {
      state_singleton s(get_self(), get_self().value);
      state_row st = s.get();
      require_auth(st.operator_account.value);
      asset share{st.per_share, EOS_SYMBOL};

      holders_table h(get_self(), get_self().value);
      uint64_t pk;
      for (int32_t itr = h.begin(); itr >= 0; itr = h.next(itr, &pk)) {
         holder_row row = h.get(itr, "");
         if (row.last_paid_round == st.round) continue;
         row.last_paid_round = st.round;
         h.modify(itr, get_self(), row);
         token_transfer("eosio.token"_n, get_self(), row.account, share, payout_memo, sizeof(payout_memo) - 1);
      }
   }
#else
   // [[eosio::action]]
   void payout(uint32_t limit) {
      check(limit > 0 && limit <= 50, "limit must be between 1 and 50");
      state_singleton s(get_self(), get_self().value);
      state_row st = s.get();
      require_auth(st.operator_account.value);
      asset share{st.per_share, EOS_SYMBOL};

      holders_table h(get_self(), get_self().value);
      uint64_t pk = 0;
      int32_t itr = h.lower_bound(st.cursor);
      for (uint32_t paid = 0; itr >= 0 && paid < limit; ++paid) {
         holder_row row = h.get(itr, "");
         if (row.last_paid_round != st.round) {
            row.last_paid_round = st.round;
            h.modify(itr, get_self(), row);
            token_transfer("eosio.token"_n, get_self(), row.account, share, payout_memo,
                           sizeof(payout_memo) - 1);
         }
         itr = h.next(itr, &pk);
      }
      st.cursor = itr >= 0 ? pk : 0;
      s.set(st, get_self());
   }
#endif
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   if (code != receiver) return;
   dividend self{name(receiver), name(code)};
   action_reader r;
   switch (action) {
      case "signup"_n.value: {
         name a;
         unpack(r.ds, a.value);
         self.signup(a);
         break;
      }
      case "newround"_n.value: {
         asset income;
         unpack(r.ds, income.amount);
         unpack(r.ds, income.sym.value);
         self.newround(income);
         break;
      }
      case "payout"_n.value: {
#ifdef VULNERABLE
         self.payout();
#else
         uint32_t limit;
         unpack(r.ds, limit);
         self.payout(limit);
#endif
         break;
      }
      default:
         eosio_assert_code(false, 1);
   }
}
