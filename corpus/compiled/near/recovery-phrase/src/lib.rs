//! Social-recovery vault: the owner registers a recovery passphrase; whoever later presents it
//! can move ownership (e.g. after losing the owner key).
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise};
use near_sdk::json_types::U128;

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct RecoveryVault {
    owner: AccountId,
    #[cfg(feature = "vulnerable")]
    recovery_phrase: Option<String>,
    #[cfg(not(feature = "vulnerable"))]
    recovery_hash: Option<Vec<u8>>,
}

#[near]
impl RecoveryVault {
    #[init]
    pub fn new(owner: AccountId) -> Self {
        #[cfg(feature = "vulnerable")]
        return Self { owner, recovery_phrase: None };
        #[cfg(not(feature = "vulnerable"))]
        return Self { owner, recovery_hash: None };
    }

    #[payable]
    pub fn deposit(&mut self) {}

    pub fn withdraw(&mut self, amount: U128) -> Promise {
        require!(env::predecessor_account_id() == self.owner, "Owner only");
        Promise::new(self.owner.clone()).transfer(NearToken::from_yoctonear(amount.0))
    }

    pub fn set_recovery(&mut self, phrase: String) {
        require!(env::predecessor_account_id() == self.owner, "Owner only");
        require!(phrase.len() >= 12, "Phrase too short");
        #[cfg(feature = "vulnerable")]
        {
            log!("Recovery phrase for {} set to '{}'", self.owner, phrase);
            self.recovery_phrase = Some(phrase);
        }
        #[cfg(not(feature = "vulnerable"))]
        {
            log!("Recovery phrase for {} updated", self.owner);
            self.recovery_hash = Some(env::sha256(phrase.as_bytes()));
        }
    }

    pub fn recover(&mut self, phrase: String, new_owner: AccountId) {
        #[cfg(feature = "vulnerable")]
        let ok = self.recovery_phrase.as_deref() == Some(phrase.as_str());
        #[cfg(not(feature = "vulnerable"))]
        let ok = self.recovery_hash.as_deref() == Some(env::sha256(phrase.as_bytes()).as_slice());
        require!(ok, "Wrong recovery phrase");
        log!("Ownership recovered by {}", new_owner);
        self.owner = new_owner;
    }
}
