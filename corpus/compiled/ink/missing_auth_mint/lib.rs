//! A loyalty-points token: the shop (owner) mints points to customers, who can
//! transfer or burn them. A minimal PSP22-like interface.
//!
//! With `--features vulnerable`, `mint` forgets the `ensure_owner()` guard that
//! the other admin messages use, so any account can mint itself points.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod reward_token {
    use ink::storage::Mapping;

    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        NotOwner,
        InsufficientBalance,
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    #[ink(event)]
    pub struct Transfer {
        #[ink(topic)]
        from: Option<AccountId>,
        #[ink(topic)]
        to: Option<AccountId>,
        value: Balance,
    }

    #[ink(storage)]
    pub struct RewardToken {
        owner: AccountId,
        total_supply: Balance,
        balances: Mapping<AccountId, Balance>,
    }

    impl RewardToken {
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {
                owner: Self::env().caller(),
                total_supply: 0,
                balances: Mapping::default(),
            }
        }

        #[ink(message)]
        pub fn total_supply(&self) -> Balance {
            self.total_supply
        }

        #[ink(message)]
        pub fn balance_of(&self, who: AccountId) -> Balance {
            self.balances.get(who).unwrap_or_default()
        }

        #[ink(message)]
        pub fn owner(&self) -> AccountId {
            self.owner
        }

        /// Issues new points to a customer. Only the shop may do this.
        #[ink(message)]
        pub fn mint(&mut self, to: AccountId, value: Balance) -> Result<()> {
            #[cfg(not(feature = "vulnerable"))]
            self.ensure_owner()?;
            let balance = self.balance_of(to);
            let new_balance = balance.checked_add(value).ok_or(Error::Overflow)?;
            self.total_supply = self.total_supply.checked_add(value).ok_or(Error::Overflow)?;
            self.balances.insert(to, &new_balance);
            self.env().emit_event(Transfer {
                from: None,
                to: Some(to),
                value,
            });
            Ok(())
        }

        #[ink(message)]
        pub fn transfer(&mut self, to: AccountId, value: Balance) -> Result<()> {
            let from = self.env().caller();
            let from_balance = self.balance_of(from);
            if from_balance < value {
                return Err(Error::InsufficientBalance);
            }
            self.balances.insert(from, &(from_balance - value));
            let to_balance = self.balance_of(to);
            self.balances
                .insert(to, &to_balance.checked_add(value).ok_or(Error::Overflow)?);
            self.env().emit_event(Transfer {
                from: Some(from),
                to: Some(to),
                value,
            });
            Ok(())
        }

        #[ink(message)]
        pub fn burn(&mut self, value: Balance) -> Result<()> {
            let from = self.env().caller();
            let balance = self.balance_of(from);
            if balance < value {
                return Err(Error::InsufficientBalance);
            }
            self.balances.insert(from, &(balance - value));
            self.total_supply -= value;
            Ok(())
        }

        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            self.ensure_owner()?;
            self.owner = new_owner;
            Ok(())
        }

        fn ensure_owner(&self) -> Result<()> {
            if self.env().caller() != self.owner {
                return Err(Error::NotOwner);
            }
            Ok(())
        }
    }
}
