//! Staking-rewards pool paying out a NEP-141 reward token. `claim` zeroes the pending reward,
//! sends it with `ft_transfer` and records the payout in the `on_claim` callback.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{env, ext_contract, log, near, require, AccountId, Gas, NearToken, PanicOnDefault, Promise};
#[cfg(not(feature = "vulnerable"))]
use near_sdk::PromiseError;

const GAS_FOR_FT_TRANSFER: Gas = Gas::from_tgas(10);
const GAS_FOR_ON_CLAIM: Gas = Gas::from_tgas(10);

#[ext_contract(ext_ft)]
pub trait FungibleToken {
    fn ft_transfer(&mut self, receiver_id: AccountId, amount: U128, memo: Option<String>);
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct RewardPool {
    owner_id: AccountId,
    reward_token: AccountId,
    pending: LookupMap<AccountId, u128>,
    total_paid: u128,
}

#[near]
impl RewardPool {
    #[init]
    pub fn new(owner_id: AccountId, reward_token: AccountId) -> Self {
        Self { owner_id, reward_token, pending: LookupMap::new(b"p"), total_paid: 0 }
    }

    /// Owner credits rewards computed off-chain.
    pub fn add_rewards(&mut self, accounts: Vec<(AccountId, U128)>) {
        require!(env::predecessor_account_id() == self.owner_id, "Owner only");
        require!(accounts.len() <= 100, "Too many accounts");
        for (account, amount) in accounts {
            let pending = self.pending.entry(account).or_insert(0);
            *pending = pending.checked_add(amount.0).expect("overflow");
        }
    }

    pub fn claim(&mut self) -> Promise {
        let account_id = env::predecessor_account_id();
        let amount = self.pending.remove(&account_id).unwrap_or(0);
        require!(amount > 0, "Nothing to claim");

        ext_ft::ext(self.reward_token.clone())
            .with_attached_deposit(NearToken::from_yoctonear(1))
            .with_static_gas(GAS_FOR_FT_TRANSFER)
            .ft_transfer(account_id.clone(), U128(amount), Some("reward claim".to_string()))
            .then(Self::ext(env::current_account_id()).with_static_gas(GAS_FOR_ON_CLAIM).on_claim(account_id, U128(amount)))
    }

    #[cfg(feature = "vulnerable")]
    #[private]
    pub fn on_claim(&mut self, account_id: AccountId, amount: U128) {
        self.total_paid += amount.0;
        log!("Paid {} reward tokens to {}", amount.0, account_id);
    }

    #[cfg(not(feature = "vulnerable"))]
    #[private]
    pub fn on_claim(
        &mut self,
        account_id: AccountId,
        amount: U128,
        #[callback_result] transfer: Result<(), PromiseError>,
    ) {
        match transfer {
            Ok(()) => {
                self.total_paid += amount.0;
                log!("Paid {} reward tokens to {}", amount.0, account_id);
            }
            Err(_) => {
                // The reward was not delivered: put it back.
                let pending = self.pending.entry(account_id.clone()).or_insert(0);
                *pending = pending.checked_add(amount.0).expect("overflow");
                log!("Reward transfer to {} failed, restored {}", account_id, amount.0);
            }
        }
    }

    pub fn pending_of(&self, account_id: AccountId) -> U128 {
        U128(self.pending.get(&account_id).copied().unwrap_or(0))
    }

    pub fn total_paid(&self) -> U128 {
        U128(self.total_paid)
    }
}
