//! Fungible-token vault: users deposit a NEP-141 token with `ft_transfer_call` and withdraw it
//! later. A withdrawal debits the internal balance, sends `ft_transfer` and, in the callback,
//! gives the amount back if the transfer failed.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{
    env, ext_contract, log, near, require, AccountId, Gas, NearToken, PanicOnDefault, PromiseError,
    PromiseOrValue,
};

const GAS_FOR_FT_TRANSFER: Gas = Gas::from_tgas(10);
const GAS_FOR_RESOLVE: Gas = Gas::from_tgas(10);

#[ext_contract(ext_ft)]
pub trait FungibleToken {
    fn ft_transfer(&mut self, receiver_id: AccountId, amount: U128, memo: Option<String>);
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Vault {
    token_id: AccountId,
    balances: LookupMap<AccountId, u128>,
}

#[near]
impl Vault {
    #[init]
    pub fn new(token_id: AccountId) -> Self {
        Self { token_id, balances: LookupMap::new(b"b") }
    }

    /// NEP-141 receiver: credits the sender.
    pub fn ft_on_transfer(&mut self, sender_id: AccountId, amount: U128, msg: String) -> PromiseOrValue<U128> {
        require!(env::predecessor_account_id() == self.token_id, "Unsupported token");
        let _ = msg;
        let balance = self.balances.entry(sender_id).or_insert(0);
        *balance = balance.checked_add(amount.0).expect("Balance overflow");
        PromiseOrValue::Value(U128(0))
    }

    pub fn withdraw(&mut self, amount: U128) -> near_sdk::Promise {
        let account_id = env::predecessor_account_id();
        let balance = self.balances.get(&account_id).copied().unwrap_or(0);
        require!(balance >= amount.0, "Not enough balance");
        self.balances.insert(account_id.clone(), balance - amount.0);

        ext_ft::ext(self.token_id.clone())
            .with_attached_deposit(NearToken::from_yoctonear(1))
            .with_static_gas(GAS_FOR_FT_TRANSFER)
            .ft_transfer(account_id.clone(), amount, None)
            .then(
                Self::ext(env::current_account_id())
                    .with_static_gas(GAS_FOR_RESOLVE)
                    .resolve_withdraw(account_id, amount),
            )
    }

    /// Callback of `withdraw`: re-credits the account if `ft_transfer` failed.
    #[cfg(feature = "vulnerable")]
    pub fn resolve_withdraw(
        &mut self,
        account_id: AccountId,
        amount: U128,
        #[callback_result] transfer: Result<(), PromiseError>,
    ) -> U128 {
        self.internal_resolve_withdraw(account_id, amount, transfer)
    }

    /// Callback of `withdraw`: re-credits the account if `ft_transfer` failed.
    #[cfg(not(feature = "vulnerable"))]
    #[private]
    pub fn resolve_withdraw(
        &mut self,
        account_id: AccountId,
        amount: U128,
        #[callback_result] transfer: Result<(), PromiseError>,
    ) -> U128 {
        self.internal_resolve_withdraw(account_id, amount, transfer)
    }

    pub fn balance_of(&self, account_id: AccountId) -> U128 {
        U128(self.balances.get(&account_id).copied().unwrap_or(0))
    }
}

impl Vault {
    fn internal_resolve_withdraw(&mut self, account_id: AccountId, amount: U128, transfer: Result<(), PromiseError>) -> U128 {
        if transfer.is_err() {
            log!("ft_transfer to {} failed, refunding {}", account_id, amount.0);
            let balance = self.balances.entry(account_id).or_insert(0);
            *balance = balance.checked_add(amount.0).expect("Balance overflow");
            return U128(0);
        }
        amount
    }
}
