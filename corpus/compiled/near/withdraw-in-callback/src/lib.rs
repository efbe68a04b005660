//! NEAR-denominated savings account whose withdrawals go through a "payout" helper contract
//! (e.g. a wrapped-NEAR or lockup router). Balances are plain NEAR deposits.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{env, ext_contract, log, near, require, AccountId, Gas, NearToken, PanicOnDefault, Promise, PromiseError};

const GAS_FOR_PAYOUT: Gas = Gas::from_tgas(20);
const GAS_FOR_CALLBACK: Gas = Gas::from_tgas(10);

#[ext_contract(ext_router)]
pub trait PayoutRouter {
    fn pay(&mut self, receiver_id: AccountId);
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Savings {
    router: AccountId,
    deposits: LookupMap<AccountId, NearToken>,
}

#[near]
impl Savings {
    #[init]
    pub fn new(router: AccountId) -> Self {
        Self { router, deposits: LookupMap::new(b"d") }
    }

    #[payable]
    pub fn deposit(&mut self) {
        let account = env::predecessor_account_id();
        let current = self.deposits.get(&account).copied().unwrap_or(NearToken::from_yoctonear(0));
        self.deposits.insert(account, current.saturating_add(env::attached_deposit()));
    }

    pub fn withdraw(&mut self, amount: U128) -> Promise {
        let account = env::predecessor_account_id();
        let amount = NearToken::from_yoctonear(amount.0);
        let balance = self.deposits.get(&account).copied().unwrap_or(NearToken::from_yoctonear(0));
        require!(balance >= amount, "Insufficient balance");

        // Remediated: take the funds out before the cross-contract call.
        #[cfg(not(feature = "vulnerable"))]
        self.deposits.insert(account.clone(), balance.saturating_sub(amount));

        ext_router::ext(self.router.clone())
            .with_attached_deposit(amount)
            .with_static_gas(GAS_FOR_PAYOUT)
            .pay(account.clone())
            .then(Self::ext(env::current_account_id()).with_static_gas(GAS_FOR_CALLBACK).on_withdraw(account, U128(amount.as_yoctonear())))
    }

    #[private]
    pub fn on_withdraw(&mut self, account: AccountId, amount: U128, #[callback_result] paid: Result<(), PromiseError>) -> bool {
        let amount = NearToken::from_yoctonear(amount.0);
        let balance = self.deposits.get(&account).copied().unwrap_or(NearToken::from_yoctonear(0));
        match paid {
            Ok(()) => {
                // Vulnerable: the balance checked in `withdraw` is only debited here, after the
                // router ran; any number of withdrawals can be in flight against it.
                #[cfg(feature = "vulnerable")]
                self.deposits.insert(account.clone(), balance.saturating_sub(amount));
                log!("{} withdrew {}", account, amount);
                true
            }
            Err(_) => {
                #[cfg(not(feature = "vulnerable"))]
                self.deposits.insert(account.clone(), balance.saturating_add(amount));
                #[cfg(feature = "vulnerable")]
                let _ = balance;
                log!("Payout to {} failed", account);
                false
            }
        }
    }

    pub fn balance_of(&self, account_id: AccountId) -> U128 {
        U128(self.deposits.get(&account_id).map(|b| b.as_yoctonear()).unwrap_or(0))
    }
}
