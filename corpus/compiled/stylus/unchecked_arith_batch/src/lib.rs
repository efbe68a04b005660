//! BatchToken: an ERC-20 style token with a `batch_transfer` for airdrops.
//!
//! alloy's U256 operators wrap on overflow. With `--features vulnerable`
//! `batch_transfer` computes `value * recipients.len()` and credits each
//! recipient with `+`: value = 2^255 and two recipients make the debited
//! total wrap to 0, so the sender's balance check passes and 2^255 tokens
//! are minted to each recipient (the 2018 BEC batchOverflow, in Stylus).
//! The remediation uses checked_mul / checked_add and reverts on overflow.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use alloc::vec::Vec;
use alloy_sol_types::sol;
use stylus_sdk::{
    alloy_primitives::{Address, U256},
    prelude::*,
};

sol! {
    error InsufficientBalance(address from, uint256 have, uint256 want);
    error TooManyRecipients(uint256 count);
    error Overflow();
    error NotMinter(address caller);

    event Transfer(address indexed from, address indexed to, uint256 value);
}

#[derive(SolidityError)]
pub enum TokenError {
    InsufficientBalance(InsufficientBalance),
    TooManyRecipients(TooManyRecipients),
    Overflow(Overflow),
    NotMinter(NotMinter),
}

sol_storage! {
    #[entrypoint]
    pub struct BatchToken {
        mapping(address => uint256) balances;
        uint256 total_supply;
        address minter;
    }
}

#[public]
impl BatchToken {
    pub fn set_minter(&mut self) -> Result<(), TokenError> {
        let caller = self.vm().msg_sender();
        if self.minter.get() != Address::ZERO {
            return Err(TokenError::NotMinter(NotMinter { caller }));
        }
        self.minter.set(caller);
        Ok(())
    }

    pub fn mint(&mut self, to: Address, value: U256) -> Result<(), TokenError> {
        let caller = self.vm().msg_sender();
        if caller != self.minter.get() {
            return Err(TokenError::NotMinter(NotMinter { caller }));
        }
        let supply = self
            .total_supply
            .get()
            .checked_add(value)
            .ok_or(TokenError::Overflow(Overflow {}))?;
        self.total_supply.set(supply);
        let balance = self.balances.get(to);
        self.balances.insert(to, balance + value);
        self.vm().log(Transfer { from: Address::ZERO, to, value });
        Ok(())
    }

    pub fn balance_of(&self, owner: Address) -> U256 {
        self.balances.get(owner)
    }

    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, TokenError> {
        let from = self.vm().msg_sender();
        let have = self.balances.get(from);
        if have < value {
            return Err(TokenError::InsufficientBalance(InsufficientBalance { from, have, want: value }));
        }
        self.balances.insert(from, have - value);
        let to_balance = self.balances.get(to);
        self.balances.insert(to, to_balance + value);
        self.vm().log(Transfer { from, to, value });
        Ok(true)
    }

    pub fn batch_transfer(&mut self, recipients: Vec<Address>, value: U256) -> Result<bool, TokenError> {
        let count = recipients.len();
        if count == 0 || count > 20 {
            return Err(TokenError::TooManyRecipients(TooManyRecipients { count: U256::from(count) }));
        }
        let from = self.vm().msg_sender();

        #[cfg(feature = "vulnerable")]
        let total = value * U256::from(count);
        #[cfg(not(feature = "vulnerable"))]
        let total = value
            .checked_mul(U256::from(count))
            .ok_or(TokenError::Overflow(Overflow {}))?;

        let have = self.balances.get(from);
        if have < total {
            return Err(TokenError::InsufficientBalance(InsufficientBalance { from, have, want: total }));
        }
        self.balances.insert(from, have - total);
        for to in recipients {
            let balance = self.balances.get(to);
            #[cfg(feature = "vulnerable")]
            let new_balance = balance + value;
            #[cfg(not(feature = "vulnerable"))]
            let new_balance = balance.checked_add(value).ok_or(TokenError::Overflow(Overflow {}))?;
            self.balances.insert(to, new_balance);
            self.vm().log(Transfer { from, to, value });
        }
        Ok(true)
    }
}
